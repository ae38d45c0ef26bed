using System.Collections.Concurrent;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Security;

/// <summary>
/// Fills <see cref="DeviceCredentials"/> from the store: every enrolled key and revoked device at
/// start (the broker awaits <see cref="EnsureLoadedAsync"/> before it listens, and this service's own
/// start completes before Kestrel's, so no connection is checked against an empty cache; the load
/// runs once, for whichever asks first), again on every refresh (<see cref="DeviceCredentialsRefresh"/>),
/// and one key at a time when a caller presents a key the cache does not know (<see cref="MatchAsync"/>):
/// replicas share the store, and a device enrolled on another replica must not be refused here.
/// </summary>
internal sealed class DeviceCredentialsLoader : IHostedService
{
    // Key hashes the store did not know either: a key unknown now never becomes valid (enrollment issues
    // a fresh random key), so a client retrying a wrong key costs one store read, not one per call.
    private const int MaxUnknown = 10_000;

    private readonly IDbContextFactory<HubDbContext> _store;
    private readonly StoreInitializer _schema;
    private readonly DeviceCredentials _credentials;
    private readonly ILogger<DeviceCredentialsLoader> _logger;
    private readonly Lazy<Task> _loaded;
    private readonly ConcurrentDictionary<string, byte> _unknown = new(StringComparer.Ordinal);

    public DeviceCredentialsLoader(IDbContextFactory<HubDbContext> store, StoreInitializer schema, DeviceCredentials credentials, ILogger<DeviceCredentialsLoader> logger)
    {
        _store = store;
        _schema = schema;
        _credentials = credentials;
        _logger = logger;
        _loaded = new Lazy<Task>(() => LoadAsync(first: true, CancellationToken.None));
    }

    /// <summary>Completes once the stored credentials are in the cache; faults (for every caller) when they could not be read.</summary>
    public Task EnsureLoadedAsync(CancellationToken cancellationToken) => _loaded.Value.WaitAsync(cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => EnsureLoadedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>As <see cref="DeviceCredentials.Match"/>, but a key the cache does not know is looked up in the store first.</summary>
    public async Task<DeviceMatch?> MatchAsync(string? key, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(key))
        {
            return null;
        }
        if (_credentials.Match(key) is { } cached)
        {
            return cached;
        }
        var hash = DeviceCredentials.KeyHash(key);
        if (_unknown.ContainsKey(hash))
        {
            return null;
        }
        var db = await _store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            // Stored as KeyHash writes it (upper-case hex, DeviceEnroller).
            var row = await db.Devices.AsNoTracking()
                .Where(d => d.KeyHash == hash)
                .Select(d => new { d.Id, d.KeyHash, d.RevokedAtMs })
                .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                if (_unknown.Count >= MaxUnknown)
                {
                    _unknown.Clear();
                }
                _unknown[hash] = 0;
                return null;
            }
            _credentials.Enrolled(row.Id, row.KeyHash!);
            if (row.RevokedAtMs is { } at)
            {
                _credentials.Revoked(row.Id, at);
            }
            Log.CredentialFetched(_logger, row.Id);
        }
        return _credentials.Match(key);
    }

    /// <summary>Reads every enrolled key and revocation again; returns how many devices were newly revoked.</summary>
    public async Task<int> RefreshAsync(CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        return await LoadAsync(first: false, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> LoadAsync(bool first, CancellationToken cancellationToken)
    {
        await _schema.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var db = await _store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var rows = await db.Devices.AsNoTracking()
                .Where(d => d.KeyHash != null || d.RevokedAtMs != null)
                .Select(d => new { d.Id, d.KeyHash, d.RevokedAtMs })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var revoked = 0;
            foreach (var row in rows)
            {
                if (row.KeyHash is { } hash)
                {
                    _credentials.Enrolled(row.Id, hash);
                }
                if (row.RevokedAtMs is { } at && !_credentials.IsRevoked(row.Id))
                {
                    _credentials.Revoked(row.Id, at);
                    revoked++;
                    if (!first)
                    {
                        Log.RevocationNoticed(_logger, row.Id);
                    }
                }
            }
            if (first)
            {
                Log.CredentialsLoaded(_logger, rows.Count(r => r.KeyHash is not null), revoked, _credentials.ConfiguredCount);
            }
            return revoked;
        }
    }
}
