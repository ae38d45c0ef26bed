using System.Globalization;
using EdgeAi.Agent.Routing;
using EdgeAi.Agent.Telemetry;

namespace EdgeAi.Agent.Twin;

/// <summary>
/// The live configuration in effect, under the same keys the desired state uses, so the hub can set
/// one beside the other (desired Telemetry:SampleRate = 0.5, reported Telemetry:SampleRate = 0.5).
/// </summary>
internal static class EffectiveConfig
{
    public static SortedDictionary<string, string> Describe(RoutingOptions routing, TelemetryOptions telemetry)
    {
        ArgumentNullException.ThrowIfNull(routing);
        ArgumentNullException.ThrowIfNull(telemetry);
        var config = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["Routing:DefaultPolicy"] = routing.DefaultPolicy,
            ["Routing:MaxLocalQueueDepth"] = Format(routing.MaxLocalQueueDepth),
            ["Telemetry:Interval"] = telemetry.Interval.ToString("c", CultureInfo.InvariantCulture),
            ["Telemetry:InferenceRecords"] = telemetry.InferenceRecords.ToString(),
            ["Telemetry:SampleRate"] = Format(telemetry.SampleRate),
        };
        foreach (var (name, model) in routing.Models)
        {
            if (model.Policy is { } policy)
            {
                config[$"Routing:Models:{name}:Policy"] = policy;
            }
            if (model.ConfidenceThreshold is { } threshold)
            {
                config[$"Routing:Models:{name}:ConfidenceThreshold"] = Format(threshold);
            }
            if (model.MaxLocalQueueDepth is { } depth)
            {
                config[$"Routing:Models:{name}:MaxLocalQueueDepth"] = Format(depth);
            }
        }
        return config;
    }

    private static string Format(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
