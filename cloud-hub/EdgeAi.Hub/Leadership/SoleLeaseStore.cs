using EdgeAi.Hub.Store;

namespace EdgeAi.Hub.Leadership;

/// <summary>
/// The lease of a hub on SQLite: a SQLite file has one hub, so it holds the lease from its start and
/// never loses it; nothing is written, and a store made before leases existed needs no table for it.
/// </summary>
internal sealed class SoleLeaseStore : ILeaseStore
{
    public bool IsShared => false;

    public Task<long?> TryAcquireAsync(string holder, TimeSpan duration, CancellationToken cancellationToken) => Task.FromResult<long?>(1);

    public Task<bool> TryRenewAsync(string holder, long epoch, TimeSpan duration, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task ReleaseAsync(string holder, long epoch, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<bool> FenceAsync(HubDbContext db, LeaderTerm term, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task LockChangesAsync(HubDbContext db, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task UnlockChangesAsync(HubDbContext db) => Task.CompletedTask;
}
