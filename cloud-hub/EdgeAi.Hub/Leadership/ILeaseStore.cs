using EdgeAi.Hub.Store;

namespace EdgeAi.Hub.Leadership;

/// <summary>Where the leader lease lives: a row in PostgreSQL for replicas (<see cref="SqlLeaseStore"/>), nowhere for the one SQLite hub (<see cref="SoleLeaseStore"/>).</summary>
internal interface ILeaseStore
{
    /// <summary>True when several hubs may share the store: changes then serialize across them and leader writes are fenced.</summary>
    bool IsShared { get; }

    /// <summary>Takes the lease when it is free or lapsed; returns the new holding's epoch (one more than the last), or null when another holds it.</summary>
    Task<long?> TryAcquireAsync(string holder, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Extends this holding by <paramref name="duration"/> from now; false when it lapsed or another holding replaced it.</summary>
    Task<bool> TryRenewAsync(string holder, long epoch, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Lets the holding lapse now (a clean stop), so another replica need not wait for it to expire.</summary>
    Task ReleaseAsync(string holder, long epoch, CancellationToken cancellationToken);

    /// <summary>
    /// In <paramref name="db"/>'s open transaction: true when this holding is still current, and then
    /// locks the lease row until that transaction ends, so no takeover commits between this check and
    /// the caller's writes.
    /// </summary>
    Task<bool> FenceAsync(HubDbContext db, LeaderTerm term, CancellationToken cancellationToken);

    /// <summary>On <paramref name="db"/>'s (opened) connection: waits for the store-wide change lock, held until <see cref="UnlockChangesAsync"/> or the connection closes.</summary>
    Task LockChangesAsync(HubDbContext db, CancellationToken cancellationToken);

    Task UnlockChangesAsync(HubDbContext db);
}
