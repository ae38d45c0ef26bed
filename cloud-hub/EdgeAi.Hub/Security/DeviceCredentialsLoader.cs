using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Security;

/// <summary>
/// Fills <see cref="DeviceCredentials"/> from the store at start: enrolled keys and revoked devices.
/// Registered after the store initializer and before the broker, and hosted services all start
/// before Kestrel, so no connection is checked against an empty cache.
/// </summary>
internal sealed class DeviceCredentialsLoader(IDbContextFactory<HubDbContext> store, DeviceCredentials credentials, ILogger<DeviceCredentialsLoader> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var rows = await db.Devices.AsNoTracking()
                .Where(d => d.KeyHash != null || d.RevokedAtMs != null)
                .Select(d => new { d.Id, d.KeyHash, d.RevokedAtMs })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                if (row.KeyHash is { } hash)
                {
                    credentials.Enrolled(row.Id, hash);
                }
                if (row.RevokedAtMs is { } at)
                {
                    credentials.Revoked(row.Id, at);
                }
            }
            Log.CredentialsLoaded(logger, rows.Count(r => r.KeyHash is not null), rows.Count(r => r.RevokedAtMs is not null), credentials.ConfiguredCount);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
