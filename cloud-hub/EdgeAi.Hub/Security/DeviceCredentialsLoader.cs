using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Security;

/// <summary>
/// Fills <see cref="DeviceCredentials"/> from the store at start: enrolled keys and revoked devices.
/// The broker awaits <see cref="EnsureLoadedAsync"/> before it listens, and this service's own start
/// completes before Kestrel's, so no connection is checked against an empty cache; the load runs
/// once, for whichever asks first.
/// </summary>
internal sealed class DeviceCredentialsLoader : IHostedService
{
    private readonly IDbContextFactory<HubDbContext> _store;
    private readonly StoreInitializer _schema;
    private readonly DeviceCredentials _credentials;
    private readonly ILogger<DeviceCredentialsLoader> _logger;
    private readonly Lazy<Task> _loaded;

    public DeviceCredentialsLoader(IDbContextFactory<HubDbContext> store, StoreInitializer schema, DeviceCredentials credentials, ILogger<DeviceCredentialsLoader> logger)
    {
        _store = store;
        _schema = schema;
        _credentials = credentials;
        _logger = logger;
        _loaded = new Lazy<Task>(LoadAsync);
    }

    /// <summary>Completes once the stored credentials are in the cache; faults (for every caller) when they could not be read.</summary>
    public Task EnsureLoadedAsync(CancellationToken cancellationToken) => _loaded.Value.WaitAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => EnsureLoadedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task LoadAsync()
    {
        await _schema.EnsureCreatedAsync(CancellationToken.None).ConfigureAwait(false);
        var db = await _store.CreateDbContextAsync().ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var rows = await db.Devices.AsNoTracking()
                .Where(d => d.KeyHash != null || d.RevokedAtMs != null)
                .Select(d => new { d.Id, d.KeyHash, d.RevokedAtMs })
                .ToListAsync().ConfigureAwait(false);
            foreach (var row in rows)
            {
                if (row.KeyHash is { } hash)
                {
                    _credentials.Enrolled(row.Id, hash);
                }
                if (row.RevokedAtMs is { } at)
                {
                    _credentials.Revoked(row.Id, at);
                }
            }
            Log.CredentialsLoaded(_logger, rows.Count(r => r.KeyHash is not null), rows.Count(r => r.RevokedAtMs is not null), _credentials.ConfiguredCount);
        }
    }
}
