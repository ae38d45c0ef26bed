using EdgeAi.Common.Sync;
using EdgeAi.Hub.Store;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Deployments;

/// <summary>
/// Reads what devices reported since the last tick from the records table (by record id, with a
/// cursor committed together with its effects): deployment statuses move the matching targets of
/// open deployments, and the latest reported state of each device is kept on its device row.
/// </summary>
internal sealed class StatusProjection(IOptions<DeploymentOptions> options, TimeProvider time, ILogger<StatusProjection> logger)
{
    public const string CursorName = "rollout";

    public async Task ApplyAsync(HubDbContext db, ChangeSet changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(changes);
        var cursor = await db.Cursors.FindAsync([CursorName], cancellationToken).ConfigureAwait(false);
        if (cursor is null)
        {
            cursor = new CursorRow { Name = CursorName };
            db.Cursors.Add(cursor);
        }
        var position = cursor.Position;
        var records = await db.Records.AsNoTracking()
            .Where(r => r.Id > position && (r.Stream == SyncTopics.Deployments || r.Stream == SyncTopics.Reported))
            .OrderBy(r => r.Id).Take(options.Value.MaxRecordsPerTick)
            .Select(r => new { r.Id, r.DeviceId, r.Stream, r.ReceivedAtMs, r.Body })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (records.Count == 0)
        {
            return;
        }
        cursor.Position = records[^1].Id;

        foreach (var latest in records.Where(r => r.Stream == SyncTopics.Reported).GroupBy(r => r.DeviceId).Select(g => g.Last()))
        {
            if (await db.Devices.FindAsync([latest.DeviceId], cancellationToken).ConfigureAwait(false) is { } device)
            {
                var before = DesiredVariants.Providers(device.Reported);
                device.Reported = KeepProviders(latest.Body, before);
                device.ReportedAtMs = latest.ReceivedAtMs;
                if (await VariantChangedAsync(db, device.Id, before, DesiredVariants.Providers(device.Reported), cancellationToken).ConfigureAwait(false))
                {
                    // Its providers now lead to another variant of a model it is asked to run: a new revision names it.
                    device.DesiredRevision = (device.DesiredRevision ?? 0) + 1;
                    changes.Devices.Add(device.Id);
                    changes.Record(Admin.AuditLog.HubActor, "device.variant", $"device/{device.Id}",
                        $"execution providers now [{string.Join(", ", DesiredVariants.Providers(device.Reported))}]: desired revision {device.DesiredRevision}");
                }
            }
        }

        var statuses = new List<(string DeviceId, DeploymentStatus Status)>();
        foreach (var record in records.Where(r => r.Stream == SyncTopics.Deployments))
        {
            try
            {
                statuses.Add((record.DeviceId, DeploymentStatus.Parser.ParseFrom(record.Body)));
            }
            catch (InvalidProtocolBufferException e)
            {
                Log.BadStatus(logger, record.DeviceId, record.Id, e.Message);
            }
        }
        if (statuses.Count > 0)
        {
            await ApplyStatusesAsync(db, statuses, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The agent lists the providers of the models it has loaded, so a report made before its first load
    /// (a restart) or while nothing loads names none. That says nothing about the machine: the device keeps
    /// the providers it last named, or every restart would flip an int8 device to fp32 and back.
    /// </summary>
    private static byte[] KeepProviders(byte[] body, IReadOnlyList<string> before)
    {
        if (before.Count == 0 || StoredBody.TryParse(body, ReportedState.Parser) is not { ExecutionProviders.Count: 0 } reported)
        {
            return body;
        }
        reported.ExecutionProviders.Add(before);
        return reported.ToByteArray();
    }

    /// <summary>True when one of the device's desired models resolves to another variant under the new providers than under the old.</summary>
    private static async Task<bool> VariantChangedAsync(HubDbContext db, string deviceId, IReadOnlyList<string> before, IReadOnlyList<string> after, CancellationToken cancellationToken)
    {
        if (!VariantChooser.Differs(before, after))
        {
            return false;
        }
        var desired = await db.DesiredModels.AsNoTracking().Where(m => m.DeviceId == deviceId).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var model in desired)
        {
            var was = await DesiredVariants.ResolveAsync(db, model.DeploymentId, model.Model, model.Version, before, cancellationToken).ConfigureAwait(false);
            var now = await DesiredVariants.ResolveAsync(db, model.DeploymentId, model.Model, model.Version, after, cancellationToken).ConfigureAwait(false);
            if (was != now)
            {
                return true;
            }
        }
        return false;
    }

    private static async Task ApplyStatusesAsync(HubDbContext db, List<(string DeviceId, DeploymentStatus Status)> statuses, long now, CancellationToken cancellationToken)
    {
        var open = await db.Deployments.AsNoTracking()
            // Completed too: a device that joined it late (LateJoiners) reports its way to active there.
            .Where(d => d.State == DeploymentStates.Running || d.State == DeploymentStates.Paused || d.State == DeploymentStates.Halted
                || d.State == DeploymentStates.Completed)
            .Select(d => new { d.Id, d.Model, d.Version }).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (open.Count == 0)
        {
            return;
        }
        var ids = open.Select(d => d.Id).ToList();
        var devices = statuses.Select(s => s.DeviceId).Distinct().ToList();
        var targets = await db.DeploymentTargets.Where(t => ids.Contains(t.DeploymentId) && devices.Contains(t.DeviceId))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var versions = open.ToDictionary(d => d.Id, d => (d.Model, d.Version));
        foreach (var (deviceId, status) in statuses)
        {
            foreach (var target in targets.Where(t => t.DeviceId == deviceId && versions[t.DeploymentId] == (status.Model, status.Version)))
            {
                // Only a report about the revision that asked for this version (or a later one) counts.
                if (!TargetStates.IsMoved(target.State) || target.Revision is not { } revision || status.DesiredRevision < revision)
                {
                    continue;
                }
                var said = string.IsNullOrEmpty(status.Message) ? null : status.Message;
                (target.State, target.Message) = status.State switch
                {
                    "active" => (TargetStates.Active, said),
                    "failed" or "rolled_back" => (TargetStates.Failed, said ?? status.State),
                    _ => (TargetStates.Updating, said is null ? status.State : $"{status.State}: {said}"),
                };
                target.UpdatedAtMs = now;
            }
        }
    }
}
