using EdgeAi.Common.Fleet;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Store;

namespace EdgeAi.Agent.SyncDown;

/// <summary>What the device has of one model, as the planner sees it.</summary>
/// <param name="Serving">The ready version requests without a version go to, or null.</param>
/// <param name="Persisted">The persisted active version: null when the fleet never managed the model, empty when deactivated.</param>
/// <param name="Installed">Versions in the model store.</param>
/// <param name="Variants">The variant each installed version holds (from its manifest); a version missing here is fp32.</param>
/// <param name="UnloadedByOperator">An operator unloaded it on the device (the model repository extension), so it does not serve though the fleet activated it.</param>
internal sealed record ModelView(
    string Name, string? Serving, string? Persisted, IReadOnlyCollection<string> Installed, IReadOnlyDictionary<string, string>? Variants = null, bool UnloadedByOperator = false)
{
    public bool Managed => Persisted is not null;

    /// <summary>The variant installed for a version ("fp32" when installed without one).</summary>
    public string VariantOf(string version) => Variants?.GetValueOrDefault(version) ?? ModelVariants.Fp32;
}

internal enum StepKind
{
    /// <summary>The desired entry cannot be acted on (invalid name, version or checksum); report it failed.</summary>
    Refuse,
    Download,
    Verify,
    Install,
    Load,
    Smoke,
    Activate,
    /// <summary>Delete installed versions other than the active one and the one it replaced.</summary>
    Prune,
    /// <summary>Stop serving a model no longer desired; its last active version's files stay.</summary>
    Deactivate,
    /// <summary>The desired version already serves: say so for this revision.</summary>
    ReportActive,
    /// <summary>Open the downloaded variant of the serving version beside it, not serving yet.</summary>
    Prepare,
    /// <summary>Put the smoke-tested variant in place of the installed one (store and host), atomically for requests.</summary>
    Swap,
}

/// <summary>One small step of a plan; a model's steps run in order and stop at the first failure.</summary>
internal sealed record PlanStep(StepKind Kind, string Model, string Version, DesiredModel? Desired = null, string? Reason = null);

/// <summary>
/// Diffs the desired models against what the device has and lists the steps that close the gap,
/// grouped by model: missing versions are downloaded, verified and installed; installed ones are
/// loaded beside the serving version, smoke-tested and activated; models the fleet no longer wants
/// are deactivated. Pure: no I/O, so every decision is testable on its own.
/// </summary>
internal static class DeploymentPlanner
{
    public static IReadOnlyList<PlanStep> Plan(DesiredState desired, IReadOnlyDictionary<string, ModelView> device, Func<DesiredModel, bool> failedAtThisRevision)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(failedAtThisRevision);
        var steps = new List<PlanStep>();
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var model in desired.Models.OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            if (Invalid(model, wanted) is { } reason)
            {
                steps.Add(new PlanStep(StepKind.Refuse, model.Name, model.Version, model, reason));
                continue;
            }
            wanted.Add(model.Name);
            if (failedAtThisRevision(model))
            {
                continue; // reported already; a new revision tries again
            }
            var view = device.GetValueOrDefault(model.Name);
            var variant = ModelVariants.Normalize(model.Variant);
            var installedVariant = view is not null && view.Installed.Contains(model.Version) ? view.VariantOf(model.Version) : null;
            if (view is not null && view.Serving == model.Version && view.Persisted == model.Version && installedVariant == variant)
            {
                steps.Add(new PlanStep(StepKind.ReportActive, model.Name, model.Version, model));
                continue;
            }
            if (view is { UnloadedByOperator: true } && view.Persisted == model.Version && installedVariant == variant)
            {
                // The operator unloaded what the fleet had already activated here: loading it back would undo a local
                // decision silently. A different version or variant is a newer fleet decision, and rolls out as usual.
                continue;
            }
            if (installedVariant is not null && installedVariant != variant)
            {
                // Another variant of the same version: a reinstall beside the serving copy, smoke-tested, then swapped in.
                steps.Add(new PlanStep(StepKind.Download, model.Name, model.Version, model));
                steps.Add(new PlanStep(StepKind.Verify, model.Name, model.Version, model));
                steps.Add(new PlanStep(StepKind.Prepare, model.Name, model.Version, model));
                steps.Add(new PlanStep(StepKind.Smoke, model.Name, model.Version, model));
                steps.Add(new PlanStep(StepKind.Swap, model.Name, model.Version, model));
                steps.Add(new PlanStep(StepKind.Prune, model.Name, model.Version, model));
                continue;
            }
            if (view is null || !view.Installed.Contains(model.Version))
            {
                steps.Add(new PlanStep(StepKind.Download, model.Name, model.Version, model));
                steps.Add(new PlanStep(StepKind.Verify, model.Name, model.Version, model));
                steps.Add(new PlanStep(StepKind.Install, model.Name, model.Version, model));
            }
            steps.Add(new PlanStep(StepKind.Load, model.Name, model.Version, model));
            steps.Add(new PlanStep(StepKind.Smoke, model.Name, model.Version, model));
            steps.Add(new PlanStep(StepKind.Activate, model.Name, model.Version, model));
            steps.Add(new PlanStep(StepKind.Prune, model.Name, model.Version, model));
        }
        // Only models the fleet manages are taken away; one installed by hand (no persisted active version) stays.
        foreach (var view in device.Values.Where(v => v.Managed && !wanted.Contains(v.Name)).OrderBy(v => v.Name, StringComparer.Ordinal))
        {
            if (view.Persisted is { Length: > 0 } last)
            {
                steps.Add(new PlanStep(StepKind.Deactivate, view.Name, last));
                steps.Add(new PlanStep(StepKind.Prune, view.Name, last));
            }
        }
        return steps;
    }

    private static string? Invalid(DesiredModel model, HashSet<string> seen)
    {
        if (!ModelStore.IsValidName(model.Name))
        {
            return $"model name '{model.Name}' is not valid (letters, digits, '.', '_' or '-', at most 128)";
        }
        if (!ModelStore.IsValidName(model.Version))
        {
            return $"version '{model.Version}' of model '{model.Name}' is not valid (letters, digits, '.', '_' or '-', at most 128)";
        }
        if (model.Sha256.Length != 64 || !model.Sha256.All(char.IsAsciiHexDigit))
        {
            return $"sha256 of model '{model.Name}' version {model.Version} is not 64 hex digits";
        }
        if (!ModelVariants.IsKnown(ModelVariants.Normalize(model.Variant)))
        {
            return $"variant '{model.Variant}' of model '{model.Name}' version {model.Version} is unknown (fp32, int8 or fp16)";
        }
        return seen.Contains(model.Name) ? $"model '{model.Name}' is desired more than once; only the first entry is used" : null;
    }
}
