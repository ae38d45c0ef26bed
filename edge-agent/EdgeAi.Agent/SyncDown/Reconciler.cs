using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Twin;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;

namespace EdgeAi.Agent.SyncDown;

/// <summary>
/// Makes the device what one desired state says, the way iotedge's agent reconciles: the device's
/// current state, the desired state, a plan from <see cref="DeploymentPlanner"/>, its execution model
/// by model (the <see cref="ModelInstaller"/> brings a version in, <see cref="DeviceModels"/> switches
/// it on), and a report of every transition and of what is then in effect. The desired configuration
/// is applied live first. A version that fails for good is not tried again at the same revision; the
/// <see cref="ReconcileLoop"/> decides when a pass runs.
/// </summary>
internal sealed class Reconciler(
    DeviceModels device, ModelInstaller installer, DeploymentReporter deployments, ReportedStateReporter reported, LiveConfig config, ILogger<Reconciler> logger)
{
    private readonly Dictionary<(string Name, string Version, string Sha256), long> _failed = [];

    /// <summary>One pass over <paramref name="desired"/>; true when something must be retried later (the hub was away, a report could not be stored).</summary>
    public async Task<bool> ReconcileAsync(DesiredState desired, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(desired);
        config.Apply(desired);
        var current = device.Current(desired);
        var plan = DeploymentPlanner.Plan(desired, current, m => _failed.TryGetValue(Key(m), out var revision) && revision == desired.Revision);
        if (plan.Any(s => s.Kind != StepKind.ReportActive))
        {
            SyncDownLog.Planned(logger, desired.Revision, plan.Count);
        }
        var retry = false;
        foreach (var steps in plan.GroupBy(s => s.Model, StringComparer.Ordinal))
        {
            retry |= await ExecuteAsync(desired.Revision, [.. steps], cancellationToken).ConfigureAwait(false);
            reported.ReportIfChanged();
        }
        installer.CleanDownloads(desired);
        reported.AppliedRevision = desired.Revision;
        reported.ReportIfChanged();
        return retry;
    }

    /// <summary>Runs one model's steps in order; on a failure reports it and undoes the unfinished swap. True when it should be retried later.</summary>
    private async Task<bool> ExecuteAsync(long revision, IReadOnlyList<PlanStep> steps, CancellationToken cancellationToken)
    {
        var candidate = new ModelCandidate(steps[0].Model, steps[0].Version, steps[0].Desired);
        try
        {
            foreach (var step in steps)
            {
                await RunAsync(revision, step, candidate, cancellationToken).ConfigureAwait(false);
            }
            return false;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            installer.Abandon(candidate, removeFiles: false);
            throw new OperationCanceledException(cancellationToken);
        }
        catch (OutboxUnavailableException)
        {
            // A progress report could not be stored: undo the unfinished swap and run the model's steps again later.
            installer.Abandon(candidate, removeFiles: false);
            return true;
        }
        catch (Exception e) when (e is DeploymentException or ModelStoreException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            installer.Abandon(candidate, removeFiles: candidate.Installed);
            if (e is DeploymentException { RetryLater: true })
            {
                deployments.Report(revision, candidate.Name, candidate.Version, DeploymentStates.Downloading, e.Message);
                return true;
            }
            if (steps.Any(s => s.Kind == StepKind.Download))
            {
                installer.DeleteDownload(candidate.Name, candidate.Version, candidate.Variant);
            }
            if (candidate.Desired is { } desired)
            {
                _failed[Key(desired)] = revision;
            }
            deployments.Failed(revision, candidate.Name, candidate.Version, e.Message);
            return false;
        }
    }

    private async Task RunAsync(long revision, PlanStep step, ModelCandidate candidate, CancellationToken cancellationToken)
    {
        var (model, version) = (step.Model, step.Version);
        switch (step.Kind)
        {
            case StepKind.Refuse:
                throw new DeploymentException(step.Reason ?? "the desired entry is not valid");
            case StepKind.Download:
                deployments.Report(revision, model, version, DeploymentStates.Downloading);
                await installer.DownloadAsync(candidate, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.Verify:
                deployments.Report(revision, model, version, DeploymentStates.Verifying);
                await installer.VerifyAsync(candidate, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.Install:
                installer.Install(candidate);
                break;
            case StepKind.Load:
                deployments.Report(revision, model, version, DeploymentStates.Loading);
                installer.Load(candidate);
                break;
            case StepKind.Smoke:
                await installer.SmokeTestAsync(candidate, cancellationToken).ConfigureAwait(false);
                break;
            case StepKind.Activate:
                device.Activate(candidate);
                ReportActivated(revision, candidate);
                break;
            case StepKind.Prune:
                device.Prune(candidate);
                break;
            case StepKind.Deactivate:
                device.Deactivate(model, version);
                break;
            case StepKind.ReportActive:
                deployments.Report(revision, model, version, DeploymentStates.Active);
                break;
            case StepKind.Prepare:
                deployments.Report(revision, model, version, DeploymentStates.Loading, $"{candidate.Variant} variant beside the serving one");
                installer.Prepare(candidate);
                break;
            case StepKind.Swap:
                installer.Swap(candidate);
                deployments.Report(revision, model, version, DeploymentStates.Active, $"{candidate.Variant} variant replaced {candidate.PreviousVariant}");
                break;
        }
    }

    private void ReportActivated(long revision, ModelCandidate candidate)
    {
        var (model, version, previous) = (candidate.Name, candidate.Version, candidate.Previous);
        if (previous is not null && !candidate.Installed && ModelVersions.Comparer.Compare(version, previous) < 0)
        {
            deployments.Report(revision, model, previous, DeploymentStates.RolledBack, $"replaced by the previous version {version}, kept on the device");
        }
        var variant = candidate.Variant == Common.Fleet.ModelVariants.Fp32 ? "" : $" ({candidate.Variant})";
        deployments.Report(revision, model, version, DeploymentStates.Active, previous is null ? variant.Trim() : $"replaced version {previous}{variant}");
    }

    private static (string, string, string) Key(DesiredModel model) => (model.Name, model.Version, model.Sha256.ToLowerInvariant());
}
