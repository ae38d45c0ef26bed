using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Leadership;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Deployments;

/// <summary>What one change touched: devices whose desired state must be published, and audit entries to record after it commits.</summary>
internal sealed class ChangeSet
{
    public HashSet<string> Devices { get; } = new(StringComparer.Ordinal);

    public List<(string Actor, string Action, string Target, string? Detail)> Audit { get; } = [];

    public void Record(string actor, string action, string target, string? detail) => Audit.Add((actor, action, target, detail));

    public void Record(string actor, string action, DeploymentRow deployment, string? detail)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        Record(actor, action, $"deployment/{deployment.Id}", detail);
    }
}

/// <summary>
/// The one way desired states change: every rollout step (operator actions and the controller's ticks,
/// <see cref="RolloutCoordinator"/>) and every twin configuration (<see cref="Twin.DeviceTwin"/>) runs
/// here, one at a time, so revisions rise in the order they are published. A change commits in one
/// transaction, then its audit entries are recorded and the touched devices' desired states published.
/// </summary>
internal sealed class DesiredStateChanges(
    IDbContextFactory<HubDbContext> store, DesiredStatePublisher publisher, AuditLog audit, ILeaseStore lease, ILogger<DesiredStateChanges> logger) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    public Task<Outcome<T>> ChangeAsync<T>(Func<HubDbContext, ChangeSet, Task<Outcome<T>>> change, CancellationToken cancellationToken) =>
        ChangeAsync(change, savesMidway: false, cancellationToken);

    /// <summary>
    /// Runs one change under the lock; its writes commit together (one SaveChanges, or an explicit
    /// transaction when the change must save midway, as a deployment's creation does for the new id).
    /// Reads need no transaction on SQLite: only this lock writes rollout and desired-state rows, and
    /// SQLite's explicit transactions would take the write lock from ingest every tick. On a store that
    /// replicas share the lock is the store's too (<see cref="ILeaseStore.LockChangesAsync"/>), held
    /// until the change is published, and a change made by the leader's loops (<paramref name="fence"/>)
    /// runs in a transaction that first checks the leader's term: a replica whose lease was taken over
    /// writes nothing (<see cref="LeaseLostException"/>).
    /// </summary>
    public async Task<Outcome<T>> ChangeAsync<T>(
        Func<HubDbContext, ChangeSet, Task<Outcome<T>>> change, bool savesMidway, CancellationToken cancellationToken, LeaderTerm? fence = null)
    {
        ArgumentNullException.ThrowIfNull(change);
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var changes = new ChangeSet();
            var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await using (db.ConfigureAwait(false))
            {
                var shared = lease.IsShared;
                if (shared)
                {
                    // The context keeps this connection open until disposed, so the session lock stays with it.
                    await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                    await lease.LockChangesAsync(db, cancellationToken).ConfigureAwait(false);
                }
                try
                {
                    return await ChangeLockedAsync(db, changes, change, savesMidway || (shared && fence is not null), fence, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    if (shared)
                    {
                        await lease.UnlockChangesAsync(db).ConfigureAwait(false);
                    }
                }
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    private async Task<Outcome<T>> ChangeLockedAsync<T>(
        HubDbContext db, ChangeSet changes, Func<HubDbContext, ChangeSet, Task<Outcome<T>>> change, bool inTransaction, LeaderTerm? fence, CancellationToken cancellationToken)
    {
        // Everything inside the transaction runs uncancellably: it is short, and a statement cancelled under it (the
        // hub stopping mid-tick) can break the connection, whose rollback EF Core then logs as error 20205. The
        // caller's token still stops the wait for the lock and what follows the commit.
        var transaction = inTransaction ? await db.Database.BeginTransactionAsync(CancellationToken.None).ConfigureAwait(false) : null;
        var inside = transaction is null ? cancellationToken : CancellationToken.None;
        try
        {
            if (fence is not null)
            {
                // Without a transaction the store is not shared (SQLite's one hub): the term's token is all there is to check.
                var current = !fence.Ended.IsCancellationRequested
                    && (transaction is null || await lease.FenceAsync(db, fence, inside).ConfigureAwait(false));
                if (!current)
                {
                    throw LeaseLostException.For(fence);
                }
            }
            var outcome = await change(db, changes).ConfigureAwait(false);
            if (outcome.Error is not null)
            {
                return outcome;
            }
            await db.SaveChangesAsync(inside).ConfigureAwait(false);
            if (transaction is not null)
            {
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }
            foreach (var (actor, action, target, detail) in changes.Audit)
            {
                Log.Step(logger, actor, action, target, detail ?? "");
                await audit.RecordAsync(actor, action, target, detail, cancellationToken).ConfigureAwait(false);
            }
            // Also retries devices whose last publish failed.
            await publisher.PublishAsync(changes.Devices, cancellationToken).ConfigureAwait(false);
            return outcome;
        }
        finally
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _lock.Dispose();
}
