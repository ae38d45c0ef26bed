using System.Globalization;
using EdgeAi.Agent.Routing;
using EdgeAi.Agent.Telemetry;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Sync;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Twin;

/// <summary>A desired configuration value that was not applied, and why.</summary>
internal sealed record ConfigRefusal(string Key, string Value, string Reason);

/// <summary>
/// Applies the desired state's configuration without a restart. Only keys whose consumers read them
/// live may be set (routing, telemetry sampling and interval). A value that fails its options
/// validation is refused, the previous value stays in effect, and an event names the key and the
/// error; nothing the hub sends can stop the agent.
/// </summary>
internal sealed class LiveConfig
{
    /// <summary>Keys that apply live, besides everything under Routing:.</summary>
    private static readonly HashSet<string> LiveTelemetryKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        "Telemetry:SampleRate",
        "Telemetry:InferenceRecords",
        "Telemetry:Interval",
    };

    private readonly IConfiguration _configuration;
    private readonly DesiredConfiguration _desired;
    private readonly IEnumerable<IValidateOptions<RoutingOptions>> _routingValidators;
    private readonly IEnumerable<IValidateOptions<TelemetryOptions>> _telemetryValidators;
    private readonly EventReporter _events;
    private readonly ILogger<LiveConfig> _logger;
    private HashSet<ConfigRefusal> _lastRefused = [];

    public LiveConfig(
        IConfiguration configuration, DesiredConfiguration desired, IEnumerable<IValidateOptions<RoutingOptions>> routingValidators,
        IEnumerable<IValidateOptions<TelemetryOptions>> telemetryValidators, EventReporter events, ILogger<LiveConfig> logger)
    {
        _configuration = configuration;
        _desired = desired;
        _routingValidators = routingValidators;
        _telemetryValidators = telemetryValidators;
        _events = events;
        _logger = logger;
    }

    public static bool IsLive(string key) =>
        key.StartsWith(RoutingOptions.Section + ":", StringComparison.OrdinalIgnoreCase) || LiveTelemetryKeys.Contains(key);

    /// <summary>The desired configuration of a state: its config map, then each model's routing policy.</summary>
    public static Dictionary<string, string?> DesiredValues(DesiredState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in state.Config)
        {
            values[key] = value;
        }
        foreach (var model in state.Models.Where(m => !string.IsNullOrEmpty(m.RoutingPolicy)))
        {
            values[$"{RoutingOptions.Section}:Models:{model.Name}:Policy"] = model.RoutingPolicy;
        }
        return values;
    }

    /// <summary>Applies what can be applied; returns what was refused (new refusals are also reported as events).</summary>
    public IReadOnlyList<ConfigRefusal> Apply(DesiredState state)
    {
        var refused = new List<ConfigRefusal>();
        var live = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in DesiredValues(state))
        {
            if (IsLive(key))
            {
                live[key] = value;
            }
            else
            {
                refused.Add(new ConfigRefusal(key, value ?? "", "this key cannot be set from the hub: only Routing:* and Telemetry:SampleRate, Telemetry:InferenceRecords, Telemetry:Interval apply without a restart"));
            }
        }

        var applied = _desired.Values;
        var accepted = live;
        if (Check(live) is not null)
        {
            // Find the keys that fail on their own, keep their previous values, and apply the rest.
            accepted = new Dictionary<string, string?>(live, StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in live.Where(kv => !applied.TryGetValue(kv.Key, out var old) || old != kv.Value))
            {
                var alone = new Dictionary<string, string?>(applied, StringComparer.OrdinalIgnoreCase) { [key] = value };
                if (Check(alone) is { } error)
                {
                    refused.Add(new ConfigRefusal(key, value ?? "", error));
                    Restore(accepted, applied, key);
                }
            }
            if (Check(accepted) is { } combined)
            {
                // Fine alone, wrong together: keep everything as it was.
                foreach (var (key, value) in live.Where(kv => !applied.TryGetValue(kv.Key, out var old) || old != kv.Value))
                {
                    refused.Add(new ConfigRefusal(key, value ?? "", combined));
                }
                accepted = new Dictionary<string, string?>(applied, StringComparer.OrdinalIgnoreCase);
            }
        }
        if (_desired.Replace(accepted))
        {
            TwinLog.ConfigApplied(_logger, state.Revision, accepted.Count);
        }
        Report(state.Revision, refused);
        return refused;
    }

    private static void Restore(Dictionary<string, string?> accepted, IReadOnlyDictionary<string, string?> applied, string key)
    {
        if (applied.TryGetValue(key, out var previous))
        {
            accepted[key] = previous;
        }
        else
        {
            accepted.Remove(key);
        }
    }

    /// <summary>Binds the live sections from the local configuration with <paramref name="values"/> on top and validates them; the error, or null.</summary>
    private string? Check(IReadOnlyDictionary<string, string?> values)
    {
        var builder = new ConfigurationBuilder();
        if (_configuration is IConfigurationRoot root)
        {
            builder.Add(new LocalConfigurationView([.. root.Providers.Where(p => !ReferenceEquals(p, _desired))]));
        }
        var candidate = builder.AddInMemoryCollection(values).Build();
        try
        {
            var routing = new RoutingOptions();
            candidate.GetSection(RoutingOptions.Section).Bind(routing);
            var telemetry = new TelemetryOptions();
            candidate.GetSection(TelemetryOptions.Section).Bind(telemetry);
            return Validate(routing, _routingValidators) ?? Validate(telemetry, _telemetryValidators);
        }
        catch (InvalidOperationException e)
        {
            return e.Message; // a value of the wrong type, e.g. "Failed to convert configuration value at 'Telemetry:SampleRate' to type 'System.Double'"
        }
    }

    private static string? Validate<T>(T options, IEnumerable<IValidateOptions<T>> validators)
        where T : class =>
        validators.Select(v => v.Validate(Options.DefaultName, options)).FirstOrDefault(r => r.Failed)?.FailureMessage;

    private void Report(long revision, List<ConfigRefusal> refused)
    {
        var current = refused.ToHashSet();
        foreach (var refusal in refused.Where(r => !_lastRefused.Contains(r)))
        {
            TwinLog.ConfigRefused(_logger, refusal.Key, refusal.Value, refusal.Reason);
            _events.Report("config_refused", EventReporter.Warning, $"desired config {refusal.Key} = '{refusal.Value}' refused: {refusal.Reason}",
                new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["key"] = refusal.Key,
                    ["value"] = refusal.Value,
                    ["error"] = refusal.Reason,
                    ["desired_revision"] = revision.ToString(CultureInfo.InvariantCulture),
                });
        }
        _lastRefused = current;
    }
}

/// <summary>Twin log messages; event ids 2400-2499.</summary>
internal static partial class TwinLog
{
    [LoggerMessage(2400, LogLevel.Information, "Desired configuration of revision {Revision} applied ({Count} values from the hub in effect)")]
    public static partial void ConfigApplied(ILogger logger, long revision, int count);

    [LoggerMessage(2401, LogLevel.Warning, "Desired configuration {Key} = '{Value}' refused: {Reason}")]
    public static partial void ConfigRefused(ILogger logger, string key, string value, string reason);
}
