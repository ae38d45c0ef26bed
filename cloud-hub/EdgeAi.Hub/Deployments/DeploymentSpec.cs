using System.Globalization;
using System.Text.Json.Serialization;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Registry;

namespace EdgeAi.Hub.Deployments;

/// <summary>What POST /api/deployments asks for, as sent (every field optional but model and version); an unknown field (a typo) is refused.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record CreateDeploymentRequest(
    string? Model, string? Version, string? RoutingPolicy, Dictionary<string, string>? Selector, string? Strategy,
    int[]? Waves, string? HealthTimeout, double? MaxErrorRate, double? MinHealthyShare, string? Variant = null);

/// <summary>A checked deployment request, defaults filled in.</summary>
internal sealed record DeploymentSpec(
    string Model, string Version, string RoutingPolicy, IReadOnlyDictionary<string, string> Selector, string Strategy,
    IReadOnlyList<int> Waves, TimeSpan HealthTimeout, double MaxErrorRate, double MinHealthyShare, string Variant = VariantChooser.Auto)
{
    public const string StrategyAll = "all";
    public const string StrategyWaves = "waves";
    public const string DefaultRoutingPolicy = "local-first";

    public static readonly TimeSpan MinHealthTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxHealthTimeout = TimeSpan.FromDays(7);

    public static IReadOnlyList<string> RoutingPolicies { get; } = ["local-only", "local-first", "cloud-first", "cloud-only"];

    public static IReadOnlyList<int> DefaultWaves { get; } = [10, 50, 100];

    /// <summary>Checks a request; every refusal is <see cref="RefusalKind.Invalid"/>, naming the field and what it must be.</summary>
    public static Outcome<DeploymentSpec> Parse(CreateDeploymentRequest request, TimeSpan defaultHealthTimeout)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.Model) || string.IsNullOrEmpty(request.Version))
        {
            return Bad(string.IsNullOrEmpty(request.Model) ? "model" : "version", "is required: the registered model version to deploy");
        }
        if (ModelRegistry.CheckNames(request.Model, request.Version) is { } names)
        {
            return names;
        }
        var policy = request.RoutingPolicy ?? DefaultRoutingPolicy;
        if (!RoutingPolicies.Contains(policy))
        {
            return Bad("routingPolicy", $"must be one of {string.Join(", ", RoutingPolicies)}, not '{policy}'");
        }
        var selector = request.Selector ?? [];
        if (selector.FirstOrDefault(kv => string.IsNullOrWhiteSpace(kv.Key) || kv.Value is null) is { Key: not null } badTag)
        {
            return Bad("selector", $"must map non-empty tag names to string values, e.g. {{\"site\": \"lobby\"}}; tag '{badTag.Key}' does not");
        }
        var strategy = request.Strategy ?? (request.Waves is null ? StrategyAll : StrategyWaves);
        IReadOnlyList<int> waves;
        switch (strategy)
        {
            case StrategyAll when request.Waves is not null && !request.Waves.SequenceEqual([100]):
                return Bad("waves", "is only for strategy 'waves' (strategy 'all' moves every device at once)");
            case StrategyAll:
                waves = [100];
                break;
            case StrategyWaves:
                waves = request.Waves ?? DefaultWaves;
                if (CheckWaves(waves) is { } wavesError)
                {
                    return Bad("waves", wavesError);
                }
                break;
            default:
                return Bad("strategy", $"must be 'all' or 'waves', not '{strategy}'");
        }
        var timeout = defaultHealthTimeout;
        if (request.HealthTimeout is not null && !DurationSyntax.TryParse(request.HealthTimeout, out timeout, out var timeoutError))
        {
            return Bad("healthTimeout", timeoutError);
        }
        if (timeout < MinHealthTimeout || timeout > MaxHealthTimeout)
        {
            return Bad("healthTimeout", $"must be from {DurationSyntax.Format(MinHealthTimeout)} to {DurationSyntax.Format(MaxHealthTimeout)}, not {DurationSyntax.Format(timeout)}");
        }
        var maxErrorRate = request.MaxErrorRate ?? 0.05;
        if (!(maxErrorRate is >= 0 and <= 1))
        {
            return Bad("maxErrorRate", $"must be a share from 0 to 1 (0.05 = 5% of requests may fail), not {maxErrorRate.ToString(CultureInfo.InvariantCulture)}");
        }
        var minHealthyShare = request.MinHealthyShare ?? 1.0;
        if (!(minHealthyShare is > 0 and <= 1))
        {
            return Bad("minHealthyShare", $"must be a share above 0 and at most 1 (1 = every device of the wave), not {minHealthyShare.ToString(CultureInfo.InvariantCulture)}");
        }
        var variant = request.Variant ?? VariantChooser.Auto;
        if (!VariantChooser.Choices.Contains(variant))
        {
            return Bad("variant", $"must be one of {string.Join(", ", VariantChooser.Choices)} (auto: the hub chooses per device from its execution providers), not '{variant}'");
        }
        return new DeploymentSpec(request.Model, request.Version, policy, selector, strategy, waves, timeout, maxErrorRate, minHealthyShare, variant);
    }

    /// <summary>Why a wave list is unusable, or null: percentages from 1 to 100, strictly increasing, ending at 100.</summary>
    public static string? CheckWaves(IReadOnlyList<int> waves)
    {
        ArgumentNullException.ThrowIfNull(waves);
        if (waves.Count == 0)
        {
            return "must hold at least one wave, the last being 100 (e.g. [10, 50, 100])";
        }
        for (var i = 0; i < waves.Count; i++)
        {
            if (waves[i] is < 1 or > 100)
            {
                return $"must hold percentages from 1 to 100, not {waves[i]}";
            }
            if (i > 0 && waves[i] <= waves[i - 1])
            {
                return $"must strictly increase (cumulative percentages), not {waves[i - 1]} then {waves[i]}";
            }
        }
        return waves[^1] == 100 ? null : $"must end at 100 (every device), not {waves[^1]}";
    }

    private static Refusal Bad(string field, string expected) => Refusal.Invalid($"Bad {field}", $"'{field}' {expected}");
}
