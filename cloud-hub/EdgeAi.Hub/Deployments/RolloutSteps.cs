using System.Text.Json;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Deployments;

/// <summary>
/// The rollout's moves on tracked rows of one store context: put a device on a deployment's version,
/// put it back, advance a deployment through its waves and gate. The caller holds the change lock
/// (<see cref="DesiredStateChanges"/>) and commits once, so a step is all or nothing.
/// </summary>
internal static class RolloutSteps
{
    /// <summary>Advances a running deployment as far as it can go now: moves waiting devices, judges the gate, passes or halts.</summary>
    public static async Task AdvanceAsync(HubDbContext db, DeploymentRow d, long now, ChangeSet changes, CancellationToken cancellationToken)
    {
        if (d.State == DeploymentStates.Halted)
        {
            // A halt whose rollback did not commit (the hub stopped in between): finish it.
            await RollBackAsync(db, d, AuditLog.HubActor, d.Message ?? "halted", now, changes, cancellationToken).ConfigureAwait(false);
            return;
        }
        var waves = Waves(d);
        var targets = await db.DeploymentTargets.Where(t => t.DeploymentId == d.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        await DropRevokedAsync(db, targets, now, cancellationToken).ConfigureAwait(false);
        while (d.State == DeploymentStates.Running)
        {
            var live = targets.Where(t => t.State is not (TargetStates.Superseded or TargetStates.Cancelled)).ToList();
            if (live.Count == 0)
            {
                Finish(d, DeploymentStates.Superseded, "no device left: every one was taken over by a newer deployment (or revoked)", now);
                changes.Record(AuditLog.HubActor, "deployment.superseded", d, d.Message);
                return;
            }
            var label = $"wave {d.CurrentWave + 1} of {waves.Count} ({waves[d.CurrentWave]}%)";
            var waiting = live.Where(t => t.Wave <= d.CurrentWave && t.State == TargetStates.Pending).ToList();
            foreach (var target in waiting)
            {
                await MoveAsync(db, d, target, now, changes, cancellationToken).ConfigureAwait(false);
            }
            if (waiting.Count > 0)
            {
                changes.Record(AuditLog.HubActor, "deployment.wave", d, $"{label}: {waiting.Count} devices asked to run {d.Model} {d.Version}");
            }
            // The gate's clock starts when the wave does, and stands still while paused.
            d.WaveStartedAtMs ??= now;

            var gated = live.Where(t => t.Wave <= d.CurrentWave && TargetStates.IsMoved(t.State)).Select(t => new GateDevice(t.DeviceId, t.State, t.Message)).ToList();
            var elapsed = HealthGate.Elapsed(d.WaveElapsedMs, d.WaveStartedAtMs, now);
            var timeout = TimeSpan.FromMilliseconds(d.HealthTimeoutMs);
            var result = HealthGate.Decide(gated, d.MinHealthyShare, d.MaxErrorRate, null, elapsed, timeout);
            if (result.Verdict == GateVerdict.Pass)
            {
                // Telemetry is read only when the share is met: it is the costly part of the gate.
                var healthy = gated.Where(g => g.State == TargetStates.Active).Select(g => g.DeviceId);
                var errors = await ErrorCountsAsync(db, d, healthy, cancellationToken).ConfigureAwait(false);
                result = HealthGate.Decide(gated, d.MinHealthyShare, d.MaxErrorRate, errors, elapsed, timeout);
            }
            switch (result.Verdict)
            {
                case GateVerdict.Wait:
                    SetMessage(d, $"{label}: {result.Summary}", now);
                    return;
                case GateVerdict.Pass when d.CurrentWave == waves.Count - 1:
                    Finish(d, DeploymentStates.Completed, $"completed: {result.Summary}", now);
                    changes.Record(AuditLog.HubActor, "deployment.complete", d, d.Message);
                    return;
                case GateVerdict.Pass:
                    changes.Record(AuditLog.HubActor, "deployment.wave_passed", d, $"{label}: {result.Summary}");
                    d.CurrentWave++;
                    d.WaveElapsedMs = 0;
                    d.WaveStartedAtMs = null;
                    SetMessage(d, $"{label} passed: {result.Summary}", now);
                    // On to the next wave in this same tick.
                    continue;
                default:
                    d.State = DeploymentStates.Halted;
                    d.HaltedWave = d.CurrentWave;
                    SetMessage(d, $"halted: {label} failed its health gate: {result.Summary}", now);
                    changes.Record(AuditLog.HubActor, "deployment.halt", d, d.Message);
                    await RollBackAsync(db, d, AuditLog.HubActor, d.Message!, now, changes, cancellationToken).ConfigureAwait(false);
                    return;
            }
        }
    }

    /// <summary>Puts every device the deployment moved back on its previous version (or removes the model), and ends the deployment.</summary>
    public static async Task RollBackAsync(HubDbContext db, DeploymentRow d, string actor, string reason, long now, ChangeSet changes, CancellationToken cancellationToken)
    {
        var targets = await db.DeploymentTargets.Where(t => t.DeploymentId == d.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        var restored = 0;
        foreach (var target in targets.OrderBy(t => t.DeviceId, StringComparer.Ordinal))
        {
            if (TargetStates.IsMoved(target.State) || target.State == TargetStates.Superseded)
            {
                // A superseded device is put back only while this deployment still owns its desired model (the newer one has not reached it).
                if (await RestoreAsync(db, d, target, changes, cancellationToken).ConfigureAwait(false))
                {
                    restored++;
                }
                if (TargetStates.IsMoved(target.State))
                {
                    target.Message = target.State == TargetStates.Failed ? $"failed ({target.Message}); rolled back" : "rolled back";
                    target.State = TargetStates.RolledBack;
                    target.UpdatedAtMs = now;
                }
            }
            else if (target.State == TargetStates.Pending)
            {
                target.State = TargetStates.Cancelled;
                target.Message = "its wave never came";
                target.UpdatedAtMs = now;
            }
        }
        Finish(d, DeploymentStates.RolledBack, $"{reason}; {restored} devices put back on their previous version", now);
        changes.Record(actor, "deployment.rollback", d, d.Message);
    }

    /// <summary>A revoked device can no longer report: it leaves the deployment instead of holding its wave until the timeout.</summary>
    private static async Task DropRevokedAsync(HubDbContext db, List<DeploymentTargetRow> targets, long now, CancellationToken cancellationToken)
    {
        var open = targets.Where(t => t.State == TargetStates.Pending || TargetStates.IsMoved(t.State)).Select(t => t.DeviceId).ToList();
        if (open.Count == 0)
        {
            return;
        }
        var revoked = (await db.Devices.AsNoTracking().Where(d => open.Contains(d.Id) && d.RevokedAtMs != null).Select(d => d.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        foreach (var target in targets.Where(t => revoked.Contains(t.DeviceId) && (t.State == TargetStates.Pending || TargetStates.IsMoved(t.State))))
        {
            target.State = TargetStates.Cancelled;
            target.Message = "the device was revoked";
            target.UpdatedAtMs = now;
        }
    }

    /// <summary>Asks the device for the deployment's version, remembering what it had before.</summary>
    public static async Task MoveAsync(HubDbContext db, DeploymentRow d, DeploymentTargetRow target, long now, ChangeSet changes, CancellationToken cancellationToken)
    {
        target.UpdatedAtMs = now;
        var device = await db.Devices.FindAsync([target.DeviceId], cancellationToken).ConfigureAwait(false);
        if (device is null || device.RevokedAtMs is not null)
        {
            target.State = TargetStates.Cancelled;
            target.Message = device is null ? "the device is no longer known" : "the device was revoked";
            return;
        }
        var current = await db.DesiredModels.FindAsync([target.DeviceId, d.Model], cancellationToken).ConfigureAwait(false);
        var removed = current is not null && db.Entry(current).State == EntityState.Deleted;
        if (removed)
        {
            // Removed earlier in this same step (another deployment of the model rolled back): the row stays, with new values.
            db.Entry(current!).State = EntityState.Modified;
            current!.Version = "";
        }
        target.PreviousVersion = removed ? null : current?.Version;
        target.PreviousDeploymentId = removed ? null : current?.DeploymentId;
        target.PreviousRoutingPolicy = removed ? null : current?.RoutingPolicy;
        var alreadyActive = current is not null && current.Version == d.Version
            && (await db.DeploymentTargets.FindAsync([current.DeploymentId, target.DeviceId], cancellationToken).ConfigureAwait(false))?.State == TargetStates.Active
            && await VariantOfAsync(db, current.DeploymentId, cancellationToken).ConfigureAwait(false) == await VariantOfAsync(db, d.Id, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            db.DesiredModels.Add(new DesiredModelRow { DeviceId = target.DeviceId, Model = d.Model, Version = d.Version, RoutingPolicy = d.RoutingPolicy, DeploymentId = d.Id });
        }
        else
        {
            current.Version = d.Version;
            current.RoutingPolicy = d.RoutingPolicy;
            current.DeploymentId = d.Id;
        }
        device.DesiredRevision = (device.DesiredRevision ?? 0) + 1;
        target.Revision = device.DesiredRevision;
        // Same version as before (e.g. only the routing policy changes): the device has nothing new to report.
        (target.State, target.Message) = alreadyActive ? (TargetStates.Active, "already running this version") : (TargetStates.Updating, null);
        changes.Devices.Add(target.DeviceId);
    }

    /// <summary>The variant a deployment asks for (auto when it names none); tracked rows included, so one added in this step counts.</summary>
    private static async Task<string> VariantOfAsync(HubDbContext db, long deploymentId, CancellationToken cancellationToken) =>
        (await db.DeploymentVariants.FindAsync([deploymentId], cancellationToken).ConfigureAwait(false))?.Variant ?? VariantChooser.Auto;

    /// <summary>
    /// Puts the device's desired model back to what it was before this deployment; if that came from a
    /// deployment that was itself rolled back, further back still. False when a newer deployment owns it.
    /// </summary>
    private static async Task<bool> RestoreAsync(HubDbContext db, DeploymentRow d, DeploymentTargetRow target, ChangeSet changes, CancellationToken cancellationToken)
    {
        var current = await db.DesiredModels.FindAsync([target.DeviceId, d.Model], cancellationToken).ConfigureAwait(false);
        if (current is null || current.DeploymentId != d.Id)
        {
            return false;
        }
        var (version, deploymentId, policy) = (target.PreviousVersion, target.PreviousDeploymentId, target.PreviousRoutingPolicy);
        for (var depth = 0; version is not null && deploymentId is { } previousId && depth < 100; depth++)
        {
            var previous = await db.Deployments.FindAsync([previousId], cancellationToken).ConfigureAwait(false);
            if (previous is null || previous.State != DeploymentStates.RolledBack)
            {
                break;
            }
            var before = await db.DeploymentTargets.FindAsync([previousId, target.DeviceId], cancellationToken).ConfigureAwait(false);
            (version, deploymentId, policy) = (before?.PreviousVersion, before?.PreviousDeploymentId, before?.PreviousRoutingPolicy);
        }
        if (version is not null && deploymentId is { } owner
            && await db.Models.AnyAsync(m => m.Name == d.Model && m.Version == version, cancellationToken).ConfigureAwait(false))
        {
            current.Version = version;
            current.DeploymentId = owner;
            current.RoutingPolicy = policy ?? DeploymentSpec.DefaultRoutingPolicy;
        }
        else
        {
            db.DesiredModels.Remove(current);
        }
        var device = await db.Devices.FindAsync([target.DeviceId], cancellationToken).ConfigureAwait(false);
        if (device is not null)
        {
            device.DesiredRevision = (device.DesiredRevision ?? 0) + 1;
            changes.Devices.Add(target.DeviceId);
        }
        return true;
    }

    /// <summary>Errors and requests of the deployment's version in each device's latest telemetry that served it; null when none did.</summary>
    private static async Task<ErrorCounts?> ErrorCountsAsync(HubDbContext db, DeploymentRow d, IEnumerable<string> devices, CancellationToken cancellationToken)
    {
        long errors = 0, requests = 0;
        foreach (var device in devices)
        {
            var bodies = await db.Records.AsNoTracking()
                .Where(r => r.DeviceId == device && r.Stream == SyncTopics.Telemetry && r.CreatedAtMs >= d.CreatedAtMs)
                .OrderByDescending(r => r.CreatedAtMs).ThenByDescending(r => r.Id).Take(10).Select(r => r.Body)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var body in bodies)
            {
                if (StoredBody.TryParse(body, Telemetry.Parser)?.Models.FirstOrDefault(m => m.Model == d.Model && m.Version == d.Version && m.Requests > 0) is { } served)
                {
                    errors += served.Errors;
                    requests += served.Requests;
                    break;
                }
            }
        }
        return requests > 0 ? new ErrorCounts(errors, requests) : null;
    }

    public static IReadOnlyList<int> Waves(DeploymentRow d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return JsonSerializer.Deserialize(d.Waves, DeploymentJson.Default.Int32Array) ?? [100];
    }

    public static void Finish(DeploymentRow d, string state, string message, long now)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (d.WaveStartedAtMs is { } started)
        {
            d.WaveElapsedMs += Math.Max(0, now - started);
            d.WaveStartedAtMs = null;
        }
        d.State = state;
        d.Message = message;
        d.UpdatedAtMs = now;
    }

    public static void SetMessage(DeploymentRow d, string message, long now)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (d.Message != message)
        {
            d.Message = message;
            d.UpdatedAtMs = now;
        }
    }
}
