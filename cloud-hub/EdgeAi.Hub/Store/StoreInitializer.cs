using EdgeAi.Hub.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Store;

/// <summary>
/// Creates the schema on start (EnsureCreated: no migrations yet, so a later schema change needs a
/// migration path) and puts SQLite in WAL mode, so REST reads do not block ingest commits.
/// </summary>
internal sealed class StoreInitializer(IDbContextFactory<HubDbContext> contexts, IOptions<StoreOptions> store, IOptions<HubOptions> hub) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (store.Value.IsSqlite && string.IsNullOrWhiteSpace(store.Value.ConnectionString))
        {
            Directory.CreateDirectory(hub.Value.DataDirectory);
        }
        var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (context.ConfigureAwait(false))
        {
            if (store.Value.IsSqlite)
            {
                // Persistent in the database file; set before the tables so every later connection sees it.
                await context.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken).ConfigureAwait(false);
            }
            await context.Database.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
