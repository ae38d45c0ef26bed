using EdgeAi.Hub.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Store;

/// <summary>
/// Creates the schema (EnsureCreated: no migrations yet, so a later schema change needs a migration
/// path) and puts SQLite in WAL mode, so REST reads do not block ingest commits. Everything that needs
/// the tables awaits <see cref="EnsureCreatedAsync"/>: the first caller runs the creation, the others
/// wait for that same run, so no service depends on being registered after this one.
/// </summary>
internal sealed class StoreInitializer : IHostedService
{
    private readonly IDbContextFactory<HubDbContext> _contexts;
    private readonly StoreOptions _store;
    private readonly HubOptions _hub;
    // Not cancelled by the first caller's token: the run is shared.
    private readonly Lazy<Task> _created;

    public StoreInitializer(IDbContextFactory<HubDbContext> contexts, IOptions<StoreOptions> store, IOptions<HubOptions> hub)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(hub);
        _contexts = contexts;
        _store = store.Value;
        _hub = hub.Value;
        _created = new Lazy<Task>(CreateAsync);
    }

    /// <summary>Completes once the schema exists; faults (for every caller) when it could not be created.</summary>
    public Task EnsureCreatedAsync(CancellationToken cancellationToken) => _created.Value.WaitAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => EnsureCreatedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task CreateAsync()
    {
        if (_store.IsSqlite && string.IsNullOrWhiteSpace(_store.ConnectionString))
        {
            Directory.CreateDirectory(_hub.DataDirectory);
        }
        var context = await _contexts.CreateDbContextAsync().ConfigureAwait(false);
        await using (context.ConfigureAwait(false))
        {
            if (_store.IsSqlite)
            {
                // Persistent in the database file; set before the tables so every later connection sees it.
                await context.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;").ConfigureAwait(false);
            }
            if (!await context.Database.EnsureCreatedAsync().ConfigureAwait(false))
            {
                // The store existed: add the tables that came after it was made.
                await SchemaUpgrade.ApplyAsync(context, _store.IsSqlite, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
