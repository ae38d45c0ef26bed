using System.Text.Json;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Registry;
using EdgeAi.Hub.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Deployments;

/// <summary>
/// Every change to deployments and desired states goes through here, one at a time: operator
/// actions (create, pause, resume, roll back, twin config) and the controller's ticks. Each change
/// commits in one transaction, then the touched devices' desired states are published (in revision
/// order, since the lock is still held) and the steps audited.
/// </summary>
internal sealed class RolloutCoordinator(
    IDbContextFactory<HubDbContext> store,
    DesiredStatePublisher publisher,
    StatusProjection projection,
    AuditLog audit,
    TimeProvider time,
    ILogger<RolloutCoordinator> logger) : IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<AdminOutcome<long>> CreateAsync(DeploymentSpec spec, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return await ChangeAsync<long>(async (db, changes) =>
        {
            if (!await db.Models.AnyAsync(m => m.Name == spec.Model && m.Version == spec.Version, cancellationToken).ConfigureAwait(false))
            {
                return ModelRegistry.Unknown(spec.Model, spec.Version);
            }
            var devices = await db.Devices.AsNoTracking().Where(d => d.RevokedAtMs == null).Select(d => new { d.Id, d.Tags }).ToListAsync(cancellationToken).ConfigureAwait(false);
            var matched = devices.Where(d => WavePlan.Matches(spec.Selector, Tags(d.Tags))).Select(d => d.Id).ToList();
            var selector = JsonSerializer.Serialize(new Dictionary<string, string>(spec.Selector), DeploymentJson.Default.DictionaryStringString);
            if (matched.Count == 0)
            {
                return new AdminError(StatusCodes.Status409Conflict, "No devices", spec.Selector.Count == 0
                    ? "this hub knows no devices yet (revoked ones excluded): enroll a device first"
                    : $"selector {selector} matches none of the {devices.Count} devices this hub knows (revoked ones excluded); enroll devices with those tags first");
            }
            var now = Now;
            var row = new DeploymentRow
            {
                Model = spec.Model,
                Version = spec.Version,
                RoutingPolicy = spec.RoutingPolicy,
                Selector = selector,
                Strategy = spec.Strategy,
                Waves = JsonSerializer.Serialize([.. spec.Waves], DeploymentJson.Default.Int32Array),
                HealthTimeoutMs = (long)spec.HealthTimeout.TotalMilliseconds,
                MaxErrorRate = spec.MaxErrorRate,
                MinHealthyShare = spec.MinHealthyShare,
                State = DeploymentStates.Running,
                CreatedAtMs = now,
                CreatedBy = actor,
                UpdatedAtMs = now,
            };
            db.Deployments.Add(row);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (device, wave) in WavePlan.Assign(matched, spec.Waves))
            {
                db.DeploymentTargets.Add(new DeploymentTargetRow { DeploymentId = row.Id, DeviceId = device, Wave = wave, State = TargetStates.Pending, UpdatedAtMs = now });
            }
            changes.Record(actor, "deployment.create", row,
                $"{spec.Model} {spec.Version} ({spec.RoutingPolicy}) to {matched.Count} devices matching {selector}, {spec.Strategy} {row.Waves}, health timeout {spec.HealthTimeout}");
            await SupersedeAsync(db, row, matched, now, changes, cancellationToken).ConfigureAwait(false);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            // The first wave goes out now, not on the next tick.
            await RolloutSteps.AdvanceAsync(db, row, now, changes, cancellationToken).ConfigureAwait(false);
            return row.Id;
        }, savesMidway: true, cancellationToken).ConfigureAwait(false);
    }

    public Task<AdminOutcome<long>> PauseAsync(long id, string actor, CancellationToken cancellationToken) =>
        ActAsync(id, (db, d, now, changes) =>
        {
            if (d.State != DeploymentStates.Running)
            {
                return Task.FromResult<AdminError?>(NotNow(d, "paused", "only a running deployment can be paused"));
            }
            if (d.WaveStartedAtMs is { } started)
            {
                d.WaveElapsedMs += Math.Max(0, now - started);
                d.WaveStartedAtMs = null;
            }
            d.State = DeploymentStates.Paused;
            RolloutSteps.SetMessage(d, $"paused by {actor} in wave {d.CurrentWave + 1}; the health gate's clock stands still until resumed", now);
            changes.Record(actor, "deployment.pause", d, d.Message);
            return Task.FromResult<AdminError?>(null);
        }, cancellationToken);

    public Task<AdminOutcome<long>> ResumeAsync(long id, string actor, CancellationToken cancellationToken) =>
        ActAsync(id, async (db, d, now, changes) =>
        {
            if (d.State != DeploymentStates.Paused)
            {
                return NotNow(d, "resumed", "only a paused deployment can be resumed");
            }
            d.State = DeploymentStates.Running;
            RolloutSteps.SetMessage(d, $"resumed by {actor}", now);
            changes.Record(actor, "deployment.resume", d, $"wave {d.CurrentWave + 1}, {TimeSpan.FromMilliseconds(d.WaveElapsedMs)} of its health timeout used");
            await RolloutSteps.AdvanceAsync(db, d, now, changes, cancellationToken).ConfigureAwait(false);
            return null;
        }, cancellationToken);

    public Task<AdminOutcome<long>> RollbackAsync(long id, string actor, CancellationToken cancellationToken) =>
        ActAsync(id, async (db, d, now, changes) =>
        {
            if (d.State is DeploymentStates.RolledBack or DeploymentStates.Superseded)
            {
                return NotNow(d, "rolled back", "it already ended");
            }
            await RolloutSteps.RollBackAsync(db, d, actor, $"rolled back by {actor}", now, changes, cancellationToken).ConfigureAwait(false);
            return null;
        }, cancellationToken);

    /// <summary>Replaces a device's desired configuration (the twin) and publishes it with a new revision.</summary>
    public async Task<AdminOutcome<DesiredView>> SetConfigAsync(string deviceId, IReadOnlyDictionary<string, string> config, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        var outcome = await ChangeAsync<bool>(async (db, changes) =>
        {
            var device = await db.Devices.FindAsync([deviceId], cancellationToken).ConfigureAwait(false);
            if (device is null)
            {
                return new AdminError(StatusCodes.Status404NotFound, "Unknown device", $"no device '{deviceId}' has been seen by this hub");
            }
            if (device.RevokedAtMs is not null)
            {
                return new AdminError(StatusCodes.Status409Conflict, "Device revoked", $"device '{deviceId}' is revoked; it can no longer receive a desired state");
            }
            device.DesiredConfig = config.Count == 0 ? null : JsonSerializer.Serialize(new Dictionary<string, string>(config), DeploymentJson.Default.DictionaryStringString);
            device.DesiredRevision = (device.DesiredRevision ?? 0) + 1;
            changes.Devices.Add(deviceId);
            changes.Audit.Add((actor, "device.config", $"device/{deviceId}", $"revision {device.DesiredRevision}: {string.Join(", ", config.Keys.Order(StringComparer.Ordinal))}"));
            return true;
        }, cancellationToken).ConfigureAwait(false);
        return outcome.Error is { } error ? error : await GetDesiredAsync(deviceId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<AdminOutcome<DesiredView>> GetDesiredAsync(string deviceId, CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var state = await DesiredStatePublisher.BuildAsync(db, deviceId, cancellationToken).ConfigureAwait(false);
            if (state is null)
            {
                return new AdminError(StatusCodes.Status404NotFound, "Unknown device", $"no device '{deviceId}' has been seen by this hub");
            }
            return new DesiredView(deviceId, state.Revision,
                [.. state.Models.Select(m => new DesiredModelView(m.Name, m.Version, m.Sha256, m.RoutingPolicy))], new Dictionary<string, string>(state.Config));
        }
    }

    /// <summary>One controller tick: take in device reports, then advance every open deployment.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        await ChangeAsync<bool>(async (db, changes) =>
        {
            var now = Now;
            await projection.ApplyAsync(db, cancellationToken).ConfigureAwait(false);
            var open = await db.Deployments.Where(d => d.State == DeploymentStates.Running || d.State == DeploymentStates.Halted)
                .OrderBy(d => d.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var deployment in open)
            {
                await RolloutSteps.AdvanceAsync(db, deployment, now, changes, cancellationToken).ConfigureAwait(false);
            }
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    private Task<AdminOutcome<long>> ActAsync(long id, Func<HubDbContext, DeploymentRow, long, RolloutChanges, Task<AdminError?>> act, CancellationToken cancellationToken) =>
        ChangeAsync<long>(async (db, changes) =>
        {
            var deployment = await db.Deployments.FindAsync([id], cancellationToken).ConfigureAwait(false);
            if (deployment is null)
            {
                return new AdminError(StatusCodes.Status404NotFound, "Unknown deployment", $"no deployment {id}");
            }
            var refused = await act(db, deployment, Now, changes).ConfigureAwait(false);
            return refused is null ? id : refused;
        }, cancellationToken);

    /// <summary>
    /// Runs one change under the lock; its writes commit together (one SaveChanges, or an explicit
    /// transaction when the change must save midway, as create does for the new id). On success it
    /// audits and publishes what the change touched. Reads need no transaction: only this lock writes
    /// rollout rows, and SQLite's explicit transactions would take the write lock from ingest every tick.
    /// </summary>
    private Task<AdminOutcome<T>> ChangeAsync<T>(Func<HubDbContext, RolloutChanges, Task<AdminOutcome<T>>> change, CancellationToken cancellationToken) =>
        ChangeAsync(change, savesMidway: false, cancellationToken);

    private async Task<AdminOutcome<T>> ChangeAsync<T>(
        Func<HubDbContext, RolloutChanges, Task<AdminOutcome<T>>> change, bool savesMidway, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var changes = new RolloutChanges();
            var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await using (db.ConfigureAwait(false))
            {
                var transaction = savesMidway ? await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false) : null;
                try
                {
                    var outcome = await change(db, changes).ConfigureAwait(false);
                    if (outcome.Error is not null)
                    {
                        return outcome;
                    }
                    await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                    if (transaction is not null)
                    {
                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
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
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>A newer deployment takes the devices it shares with older open deployments of the same model out of their hands.</summary>
    private static async Task SupersedeAsync(HubDbContext db, DeploymentRow newer, IReadOnlyCollection<string> devices, long now, RolloutChanges changes, CancellationToken cancellationToken)
    {
        var shared = devices.ToHashSet(StringComparer.Ordinal);
        var older = await db.Deployments.Where(d => d.Model == newer.Model && d.Id != newer.Id
            && (d.State == DeploymentStates.Running || d.State == DeploymentStates.Paused || d.State == DeploymentStates.Halted))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var deployment in older)
        {
            var taken = 0;
            var targets = await db.DeploymentTargets.Where(t => t.DeploymentId == deployment.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var target in targets)
            {
                if (shared.Contains(target.DeviceId) && (target.State == TargetStates.Pending || TargetStates.IsMoved(target.State)))
                {
                    target.State = TargetStates.Superseded;
                    target.Message = $"taken over by deployment {newer.Id}";
                    target.UpdatedAtMs = now;
                    taken++;
                }
            }
            if (taken > 0)
            {
                changes.Record(AuditLog.HubActor, "deployment.supersede", deployment, $"{taken} devices taken over by deployment {newer.Id} ({newer.Version})");
            }
            if (taken > 0 && targets.All(t => t.State is TargetStates.Superseded or TargetStates.Cancelled))
            {
                // Nothing left to roll out, paused or not.
                RolloutSteps.Finish(deployment, DeploymentStates.Superseded, $"superseded by deployment {newer.Id} ({newer.Model} {newer.Version}) for all its devices", now);
                changes.Record(AuditLog.HubActor, "deployment.superseded", deployment, deployment.Message);
            }
        }
    }

    private static AdminError NotNow(DeploymentRow d, string verb, string why) =>
        new(StatusCodes.Status409Conflict, "Not now", $"deployment {d.Id} is {d.State} and cannot be {verb}: {why}");

    public static Dictionary<string, string> Tags(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize(json, DeploymentJson.Default.DictionaryStringString) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    public void Dispose() => _lock.Dispose();
}
