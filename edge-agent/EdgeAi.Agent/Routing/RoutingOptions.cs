using System.ComponentModel.DataAnnotations;
using EdgeAi.Serving.Store;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Routing;

/// <summary>Where requests go: per-model policy and the escalation rules of local-first.</summary>
internal sealed class RoutingOptions : IValidatableObject
{
    public const string Section = "Routing";

    /// <summary>local-only, local-first, cloud-first or cloud-only.</summary>
    public string DefaultPolicy { get; set; } = RoutePolicies.LocalFirst;

    /// <summary>Local-first escalates to the hub when more requests than this wait on or run in one local model.</summary>
    [Range(1, 100000)]
    public int MaxLocalQueueDepth { get; set; } = 16;

    public IDictionary<string, ModelRouting> Models { get; } = new Dictionary<string, ModelRouting>(StringComparer.Ordinal);

    public string PolicyFor(string model) => Models.TryGetValue(model, out var m) && m.Policy is { } p ? p : DefaultPolicy;

    public int QueueBoundFor(string model) => Models.TryGetValue(model, out var m) && m.MaxLocalQueueDepth is { } q ? q : MaxLocalQueueDepth;

    public double? ConfidenceThresholdFor(string model) => Models.TryGetValue(model, out var m) ? m.ConfidenceThreshold : null;

    public ModelRouting? For(string model) => Models.TryGetValue(model, out var m) ? m : null;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, policy) in Models.Select(kv => (kv.Key, kv.Value.Policy)).Append(("DefaultPolicy", (string?)DefaultPolicy)))
        {
            if (policy is not null && !RoutePolicies.All.Contains(policy))
            {
                yield return new ValidationResult($"Routing policy '{policy}' for {name} is unknown; expected one of {string.Join(", ", RoutePolicies.All)}.", [nameof(Models)]);
            }
        }
        foreach (var (name, model) in Models)
        {
            if (model.ConfidenceThreshold is < 0 or > 1)
            {
                yield return new ValidationResult($"Routing:Models:{name}:ConfidenceThreshold must be between 0 and 1.", [nameof(Models)]);
            }
            if (model.CascadeModel is { } cascade && !ModelStore.IsValidName(cascade))
            {
                yield return new ValidationResult($"Routing:Models:{name}:CascadeModel '{cascade}' is not a model name (letters, digits, '.', '_', '-').", [nameof(Models)]);
            }
            if (model.CascadeVersion is { } version && !ModelStore.IsValidName(version))
            {
                yield return new ValidationResult($"Routing:Models:{name}:CascadeVersion '{version}' is not a version (letters, digits, '.', '_', '-').", [nameof(Models)]);
            }
        }
    }
}

internal sealed class ModelRouting
{
    public string? Policy { get; set; }

    /// <summary>For classifiers: a top-1 probability under this sends the request on to the hub's model (cascade).</summary>
    public double? ConfidenceThreshold { get; set; }

    public int? MaxLocalQueueDepth { get; set; }

    /// <summary>The hub model a low-confidence answer cascades to (a bigger one); unset: the same model.</summary>
    public string? CascadeModel { get; set; }

    /// <summary>
    /// The version of <see cref="CascadeModel"/> asked for; unset: for the same model, the version the
    /// request named or the device's desired one; for another model, the hub's active version.
    /// </summary>
    public string? CascadeVersion { get; set; }
}

internal static class RoutePolicies
{
    public const string LocalOnly = "local-only";
    public const string LocalFirst = "local-first";
    public const string CloudFirst = "cloud-first";
    public const string CloudOnly = "cloud-only";

    public static readonly IReadOnlyList<string> All = [LocalOnly, LocalFirst, CloudFirst, CloudOnly];
}

[OptionsValidator]
internal sealed partial class RoutingOptionsValidator : IValidateOptions<RoutingOptions>;
