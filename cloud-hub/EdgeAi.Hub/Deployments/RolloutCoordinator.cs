using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Leadership;
using EdgeAi.Hub.Registry;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Deployments;

/// <summary>
/// Deployments: the operator's actions (create, pause, resume, roll back) and the controller's ticks.
/// Each is one change through <see cref="DesiredStateChanges"/>, so it commits whole and the devices it
/// moved get their new desired state.
/// </summary>
internal sealed class RolloutCoordinator(DesiredStateChanges changes, StatusProjection projection, LateJoiners joiners, TimeProvider time)
{
    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<Outcome<long>> CreateAsync(DeploymentSpec spec, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return await changes.ChangeAsync<long>(async (db, changed) =>
        {
            if (!await db.Models.AnyAsync(m => m.Name == spec.Model && m.Version == spec.Version, cancellationToken).ConfigureAwait(false))
            {
                return ModelRegistry.Unknown(spec.Model, spec.Version);
            }
            if (spec.Variant is not (VariantChooser.Auto or Common.Fleet.ModelVariants.Fp32)
                && !await db.ModelVariants.AnyAsync(v => v.Name == spec.Model && v.Version == spec.Version && v.Variant == spec.Variant, cancellationToken).ConfigureAwait(false))
            {
                var has = await db.ModelVariants.Where(v => v.Name == spec.Model && v.Version == spec.Version).Select(v => v.Variant).ToListAsync(cancellationToken).ConfigureAwait(false);
                return Refusal.Invalid("Bad variant", $"{spec.Model} version {spec.Version} has no {spec.Variant} variant (it has fp32{string.Concat(has.Order(StringComparer.Ordinal).Select(v => ", " + v))}); add it first (cloud-hub models variant add) or use --variant auto");
            }
            var devices = await db.Devices.AsNoTracking().Where(d => d.RevokedAtMs == null).Select(d => new { d.Id, d.Tags }).ToListAsync(cancellationToken).ConfigureAwait(false);
            var matched = devices.Where(d => WavePlan.Matches(spec.Selector, StringMapJson.Read(d.Tags))).Select(d => d.Id).ToList();
            var selector = StringMapJson.Write(spec.Selector);
            if (matched.Count == 0)
            {
                return Refusal.Conflict("No devices", spec.Selector.Count == 0
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
                Waves = System.Text.Json.JsonSerializer.Serialize([.. spec.Waves], DeploymentJson.Default.Int32Array),
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
            if (spec.Variant != VariantChooser.Auto)
            {
                db.DeploymentVariants.Add(new DeploymentVariantRow { DeploymentId = row.Id, Variant = spec.Variant });
            }
            foreach (var (device, wave) in WavePlan.Assign(matched, spec.Waves))
            {
                db.DeploymentTargets.Add(new DeploymentTargetRow { DeploymentId = row.Id, DeviceId = device, Wave = wave, State = TargetStates.Pending, UpdatedAtMs = now });
            }
            changed.Record(actor, "deployment.create", row,
                $"{spec.Model} {spec.Version} ({spec.RoutingPolicy}{(spec.Variant == VariantChooser.Auto ? "" : $", variant {spec.Variant}")}) to {matched.Count} devices matching {selector}, {spec.Strategy} {row.Waves}, health timeout {spec.HealthTimeout}");
            await SupersedeAsync(db, row, matched, now, changed, cancellationToken).ConfigureAwait(false);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            // The first wave goes out now, not on the next tick.
            await RolloutSteps.AdvanceAsync(db, row, now, changed, cancellationToken).ConfigureAwait(false);
            return row.Id;
        }, savesMidway: true, cancellationToken).ConfigureAwait(false);
    }

    public Task<Outcome<long>> PauseAsync(long id, string actor, CancellationToken cancellationToken) =>
        ActAsync(id, (db, d, now, changed) =>
        {
            if (d.State != DeploymentStates.Running)
            {
                return Task.FromResult<Refusal?>(NotNow(d, "paused", "only a running deployment can be paused"));
            }
            if (d.WaveStartedAtMs is { } started)
            {
                d.WaveElapsedMs += Math.Max(0, now - started);
                d.WaveStartedAtMs = null;
            }
            d.State = DeploymentStates.Paused;
            RolloutSteps.SetMessage(d, $"paused by {actor} in wave {d.CurrentWave + 1}; the health gate's clock stands still until resumed", now);
            changed.Record(actor, "deployment.pause", d, d.Message);
            return Task.FromResult<Refusal?>(null);
        }, cancellationToken);

    public Task<Outcome<long>> ResumeAsync(long id, string actor, CancellationToken cancellationToken) =>
        ActAsync(id, async (db, d, now, changed) =>
        {
            if (d.State != DeploymentStates.Paused)
            {
                return NotNow(d, "resumed", "only a paused deployment can be resumed");
            }
            d.State = DeploymentStates.Running;
            RolloutSteps.SetMessage(d, $"resumed by {actor}", now);
            changed.Record(actor, "deployment.resume", d, $"wave {d.CurrentWave + 1}, {TimeSpan.FromMilliseconds(d.WaveElapsedMs)} of its health timeout used");
            await RolloutSteps.AdvanceAsync(db, d, now, changed, cancellationToken).ConfigureAwait(false);
            return null;
        }, cancellationToken);

    public Task<Outcome<long>> RollbackAsync(long id, string actor, CancellationToken cancellationToken) =>
        ActAsync(id, async (db, d, now, changed) =>
        {
            if (d.State is DeploymentStates.RolledBack or DeploymentStates.Superseded)
            {
                return NotNow(d, "rolled back", "it already ended");
            }
            await RolloutSteps.RollBackAsync(db, d, actor, $"rolled back by {actor}", now, changed, cancellationToken).ConfigureAwait(false);
            return null;
        }, cancellationToken);

    /// <summary>One controller tick: take in device reports and newly enrolled devices, then advance every open deployment; fenced by the leader's <paramref name="term"/>.</summary>
    public async Task TickAsync(LeaderTerm term, CancellationToken cancellationToken)
    {
        await changes.ChangeAsync<bool>(async (db, changed) =>
        {
            var now = Now;
            await projection.ApplyAsync(db, changed, cancellationToken).ConfigureAwait(false);
            await joiners.JoinAsync(db, now, changed, cancellationToken).ConfigureAwait(false);
            var open = await db.Deployments.Where(d => d.State == DeploymentStates.Running || d.State == DeploymentStates.Halted)
                .OrderBy(d => d.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
            foreach (var deployment in open)
            {
                await RolloutSteps.AdvanceAsync(db, deployment, now, changed, cancellationToken).ConfigureAwait(false);
            }
            return true;
        }, savesMidway: false, cancellationToken, fence: term).ConfigureAwait(false);
    }

    private Task<Outcome<long>> ActAsync(long id, Func<HubDbContext, DeploymentRow, long, ChangeSet, Task<Refusal?>> act, CancellationToken cancellationToken) =>
        changes.ChangeAsync<long>(async (db, changed) =>
        {
            var deployment = await db.Deployments.FindAsync([id], cancellationToken).ConfigureAwait(false);
            if (deployment is null)
            {
                return Refusal.NotFound("Unknown deployment", $"no deployment {id}");
            }
            var refused = await act(db, deployment, Now, changed).ConfigureAwait(false);
            return refused is null ? id : refused;
        }, cancellationToken);

    /// <summary>A newer deployment takes the devices it shares with older open deployments of the same model out of their hands.</summary>
    private static async Task SupersedeAsync(HubDbContext db, DeploymentRow newer, IReadOnlyCollection<string> devices, long now, ChangeSet changed, CancellationToken cancellationToken)
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
                changed.Record(AuditLog.HubActor, "deployment.supersede", deployment, $"{taken} devices taken over by deployment {newer.Id} ({newer.Version})");
            }
            if (taken > 0 && targets.All(t => t.State is TargetStates.Superseded or TargetStates.Cancelled))
            {
                // Nothing left to roll out, paused or not.
                RolloutSteps.Finish(deployment, DeploymentStates.Superseded, $"superseded by deployment {newer.Id} ({newer.Model} {newer.Version}) for all its devices", now);
                changed.Record(AuditLog.HubActor, "deployment.superseded", deployment, deployment.Message);
            }
        }
    }

    private static Refusal NotNow(DeploymentRow d, string verb, string why) =>
        Refusal.Conflict("Not now", $"deployment {d.Id} is {d.State} and cannot be {verb}: {why}");
}
