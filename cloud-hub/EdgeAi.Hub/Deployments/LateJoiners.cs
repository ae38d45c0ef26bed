using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Deployments;

/// <summary>
/// A deployment is a standing intent for the devices its selector matches, as at-scale deployments
/// are elsewhere: a device enrolled after it was created joins it when its tags match. It joins the
/// newest running, paused or completed deployment of each model that matches it and that it has never
/// been part of: a running one in its current wave (under that wave's health gate), a completed one
/// at once. A device any deployment of the model already knows is left to those (a newer deployment
/// takes it over, or an operator does).
/// Only enrollments newer than the last tick's are read, so an idle fleet costs one small query a tick.
/// </summary>
internal sealed class LateJoiners
{
    /// <summary>An enrollment stamped before another but committed after it is still read: the window re-reads this much.</summary>
    private const long CommitSlackMs = 10_000;

    // Not persisted: a restarted hub (or a new leader) reads every enrollment once, then only recent ones.
    private long _enrolledUpTo = long.MinValue;

    public async Task JoinAsync(HubDbContext db, long now, ChangeSet changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(changes);
        var since = _enrolledUpTo;
        var enrolled = await db.Devices.AsNoTracking()
            .Where(d => d.RevokedAtMs == null && d.EnrolledAtMs != null && d.EnrolledAtMs > since)
            .Select(d => new { d.Id, d.Tags, EnrolledAtMs = d.EnrolledAtMs!.Value }).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (enrolled.Count == 0)
        {
            return;
        }
        var standing = await db.Deployments
            .Where(d => d.State == DeploymentStates.Running || d.State == DeploymentStates.Paused || d.State == DeploymentStates.Completed)
            .OrderByDescending(d => d.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        var ids = enrolled.Select(d => d.Id).ToList();
        var known = (await db.DeploymentTargets.AsNoTracking().Where(t => ids.Contains(t.DeviceId))
            .Join(db.Deployments, t => t.DeploymentId, d => d.Id, (t, d) => new { d.Model, t.DeviceId })
            .ToListAsync(cancellationToken).ConfigureAwait(false)).Select(k => (k.Model, k.DeviceId)).ToHashSet();
        foreach (var model in standing.GroupBy(d => d.Model, StringComparer.Ordinal))
        {
            var joined = new Dictionary<DeploymentRow, List<string>>();
            foreach (var device in enrolled.Where(e => !known.Contains((model.Key, e.Id))))
            {
                var tags = StringMapJson.Read(device.Tags);
                // Newest first: a device created after a deployment would have been in it, had it existed.
                if (model.FirstOrDefault(d => d.CreatedAtMs <= device.EnrolledAtMs && WavePlan.Matches(StringMapJson.Read(d.Selector), tags)) is { } deployment)
                {
                    (joined.TryGetValue(deployment, out var list) ? list : joined[deployment] = []).Add(device.Id);
                }
            }
            foreach (var (deployment, devices) in joined)
            {
                await AddAsync(db, deployment, devices, now, changes, cancellationToken).ConfigureAwait(false);
            }
        }
        _enrolledUpTo = enrolled.Max(e => e.EnrolledAtMs) - CommitSlackMs;
    }

    private static async Task AddAsync(HubDbContext db, DeploymentRow deployment, List<string> devices, long now, ChangeSet changes, CancellationToken cancellationToken)
    {
        var completed = deployment.State == DeploymentStates.Completed;
        var wave = completed ? RolloutSteps.Waves(deployment).Count - 1 : deployment.CurrentWave;
        foreach (var device in devices)
        {
            var target = new DeploymentTargetRow { DeploymentId = deployment.Id, DeviceId = device, Wave = wave, State = TargetStates.Pending, UpdatedAtMs = now };
            db.DeploymentTargets.Add(target);
            if (completed)
            {
                // Nothing advances a completed deployment again: it moves its newcomers itself.
                await RolloutSteps.MoveAsync(db, deployment, target, now, changes, cancellationToken).ConfigureAwait(false);
            }
        }
        changes.Record(AuditLog.HubActor, "deployment.join", deployment,
            $"{devices.Count} devices enrolled since it {(completed ? "completed" : "started")} match its selector and join it{(completed ? "" : $" in wave {wave + 1}")}: {string.Join(", ", devices.Order(StringComparer.Ordinal))}");
    }
}
