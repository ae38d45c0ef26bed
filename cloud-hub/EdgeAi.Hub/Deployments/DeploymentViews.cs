using System.Text.Json;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Deployments;

/// <summary>Reads deployments for the admin API: counts per state and per wave, and (for one) its devices.</summary>
internal static class DeploymentViews
{
    public static async Task<DeploymentView[]> ListAsync(HubDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var deployments = await db.Deployments.AsNoTracking().OrderByDescending(d => d.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        var ids = deployments.Select(d => d.Id).ToList();
        var targets = (await db.DeploymentTargets.AsNoTracking().Where(t => ids.Contains(t.DeploymentId)).ToListAsync(cancellationToken).ConfigureAwait(false))
            .ToLookup(t => t.DeploymentId);
        var variants = await db.DeploymentVariants.AsNoTracking().Where(v => ids.Contains(v.DeploymentId)).ToDictionaryAsync(v => v.DeploymentId, v => v.Variant, cancellationToken).ConfigureAwait(false);
        return [.. deployments.Select(d => View(d, [.. targets[d.Id]], withTargets: false, variants.GetValueOrDefault(d.Id)))];
    }

    public static async Task<DeploymentView?> GetAsync(HubDbContext db, long id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var deployment = await db.Deployments.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken).ConfigureAwait(false);
        if (deployment is null)
        {
            return null;
        }
        var targets = await db.DeploymentTargets.AsNoTracking().Where(t => t.DeploymentId == id).ToListAsync(cancellationToken).ConfigureAwait(false);
        var variant = await db.DeploymentVariants.AsNoTracking().Where(v => v.DeploymentId == id).Select(v => v.Variant).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return View(deployment, targets, withTargets: true, variant);
    }

    public static DeploymentView View(DeploymentRow d, IReadOnlyList<DeploymentTargetRow> targets, bool withTargets, string? variant = null)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(targets);
        var waves = RolloutSteps.Waves(d);
        var counts = new DeviceCounts(
            targets.Count,
            targets.Count(t => t.State is TargetStates.Pending or TargetStates.Updating),
            targets.Count(t => t.State == TargetStates.Active),
            targets.Count(t => t.State == TargetStates.Failed),
            targets.Count(t => t.State == TargetStates.RolledBack),
            targets.Count(t => t.State == TargetStates.Updating));
        var progress = waves.Select((percent, index) =>
        {
            var wave = targets.Where(t => t.Wave == index && t.State != TargetStates.Superseded).ToList();
            return new WaveProgress(index, percent, wave.Count, wave.Count(t => t.State == TargetStates.Active),
                wave.Count(t => t.State == TargetStates.Failed || (t.State == TargetStates.RolledBack && t.Message?.StartsWith("failed", StringComparison.Ordinal) == true)),
                WaveState(d, index));
        }).ToList();
        return new DeploymentView(d.Id, d.Model, d.Version, d.RoutingPolicy,
            StringMapJson.Read(d.Selector), d.Strategy, waves, d.CurrentWave, d.State, d.Message,
            DateTimeOffset.FromUnixTimeMilliseconds(d.CreatedAtMs), DateTimeOffset.FromUnixTimeMilliseconds(d.UpdatedAtMs), d.CreatedBy,
            TimeSpan.FromMilliseconds(d.HealthTimeoutMs).ToString("c", System.Globalization.CultureInfo.InvariantCulture), d.MaxErrorRate, d.MinHealthyShare,
            counts, progress,
            withTargets
                ? [.. targets.OrderBy(t => t.Wave).ThenBy(t => t.DeviceId, StringComparer.Ordinal)
                    .Select(t => new TargetView(t.DeviceId, t.Wave, t.State, t.PreviousVersion, t.Message, DateTimeOffset.FromUnixTimeMilliseconds(t.UpdatedAtMs), t.Revision))]
                : null,
            variant ?? VariantChooser.Auto);
    }

    /// <summary>pending | in_progress | paused | passed | failed | rolled_back | cancelled | superseded.</summary>
    private static string WaveState(DeploymentRow d, int index)
    {
        if (index < d.CurrentWave || d.State == DeploymentStates.Completed)
        {
            return "passed";
        }
        if (index > d.CurrentWave)
        {
            return d.State is DeploymentStates.Running or DeploymentStates.Paused ? "pending" : "cancelled";
        }
        return d.State switch
        {
            DeploymentStates.Running => "in_progress",
            DeploymentStates.Paused => "paused",
            DeploymentStates.Superseded => "superseded",
            _ when d.HaltedWave == index => "failed",
            _ => "rolled_back",
        };
    }
}
