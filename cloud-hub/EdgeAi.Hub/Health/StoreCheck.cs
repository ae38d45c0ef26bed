using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EdgeAi.Hub.Health;

/// <summary>The store (SQLite file or PostgreSQL) answers a connection: Unhealthy when not, since ingest, enrollment and the admin API need it.</summary>
internal sealed class StoreCheck(IDbContextFactory<HubDbContext> store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            return await db.Database.CanConnectAsync(cancellationToken).ConfigureAwait(false)
                ? HealthCheckResult.Healthy($"the store ({db.Database.ProviderName}) answers")
                : HealthCheckResult.Unhealthy($"the store ({db.Database.ProviderName}) cannot be reached: check Hub:Store and that the database is up");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"the store cannot be reached: {e.Message}");
        }
    }
}
