using System.Globalization;
using EdgeAi.Agent.Routing;
using EdgeAi.Agent.Telemetry;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Sync;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Twin;

/// <summary>A desired configuration value that was not applied, and why.</summary>
internal sealed record ConfigRefusal(string Key, string Value, string Reason);

/// <summary>A feature's live configuration (e.g. <c>Rules:*</c>): the hub may set it, and it is validated and applied as a whole, never key by key.</summary>
internal interface ILiveConfigSection
{
    /// <summary>The keys it owns, e.g. <c>Rules:</c>.</summary>
    string Prefix { get; }

    /// <summary>Binds the section from <paramref name="candidate"/> and validates it; the error naming the setting, or null.</summary>
    string? Validate(IConfiguration candidate);
}

/// <summary>
/// Applies the desired state's configuration without a restart. Only keys whose consumers read them
/// live may be set (routing, telemetry sampling and interval, and the <see cref="ILiveConfigSection"/>s:
/// the rules). A value that fails its options validation is refused, the previous value stays in effect,
/// and an event names the key and the error; a section is refused whole, its previous keys kept whole.
/// Nothing the hub sends can stop the agent.
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
    private readonly IReadOnlyList<ILiveConfigSection> _sections;
    private readonly ILogger<LiveConfig> _logger;
    private HashSet<ConfigRefusal> _lastRefused = [];

    public LiveConfig(
        IConfiguration configuration, DesiredConfiguration desired, IEnumerable<IValidateOptions<RoutingOptions>> routingValidators,
        IEnumerable<IValidateOptions<TelemetryOptions>> telemetryValidators, EventReporter events, IEnumerable<ILiveConfigSection> sections, ILogger<LiveConfig> logger)
    {
        _configuration = configuration;
        _desired = desired;
        _routingValidators = routingValidators;
        _telemetryValidators = telemetryValidators;
        _events = events;
        _sections = [.. sections];
        _logger = logger;
    }

    public bool IsLive(string key) =>
        key.StartsWith(RoutingOptions.Section + ":", StringComparison.OrdinalIgnoreCase) || LiveTelemetryKeys.Contains(key) || SectionOf(key) is not null;

    private ILiveConfigSection? SectionOf(string key) => _sections.FirstOrDefault(s => key.StartsWith(s.Prefix, StringComparison.OrdinalIgnoreCase));

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
                refused.Add(new ConfigRefusal(key, value ?? "", "this key cannot be set from the hub: only Routing:*, "
                    + string.Concat(_sections.Select(s => s.Prefix + "*, ")) + "Telemetry:SampleRate, Telemetry:InferenceRecords, Telemetry:Interval apply without a restart"));
            }
        }

        var applied = _desired.Values;
        var accepted = live;
        if (Check(live) is not null)
        {
            // Find the keys (a section's keys together) that fail on their own, keep their previous values, and apply the rest.
            accepted = new Dictionary<string, string?>(live, StringComparer.OrdinalIgnoreCase);
            foreach (var key in Changed(live, applied).Where(k => SectionOf(k) is null && live.ContainsKey(k)))
            {
                var alone = new Dictionary<string, string?>(applied, StringComparer.OrdinalIgnoreCase) { [key] = live[key] };
                if (Check(alone) is { } error)
                {
                    refused.Add(new ConfigRefusal(key, live[key] ?? "", error));
                    Restore(accepted, applied, key);
                }
            }
            foreach (var section in _sections.Where(s => Changed(live, applied).Any(k => SectionOf(k) == s)))
            {
                var alone = new Dictionary<string, string?>(applied, StringComparer.OrdinalIgnoreCase);
                ReplaceSection(alone, live, section);
                if (Check(alone) is { } error)
                {
                    // One refusal for the set: its keys mean something only together.
                    var keys = Changed(live, applied).Count(k => SectionOf(k) == section);
                    refused.Add(new ConfigRefusal(section.Prefix + "*", $"{keys} changed key{(keys == 1 ? "" : "s")}", error));
                    ReplaceSection(accepted, applied, section);
                }
            }
            if (Check(accepted) is { } combined)
            {
                // Fine alone, wrong together: keep everything as it was.
                foreach (var key in Changed(live, applied).Where(k => live.ContainsKey(k) || SectionOf(k) is not null))
                {
                    refused.Add(new ConfigRefusal(key, live.GetValueOrDefault(key) ?? "", combined));
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

    /// <summary>Keys set to a new value, or removed (a removed key of a section changes the section).</summary>
    private static List<string> Changed(Dictionary<string, string?> live, IReadOnlyDictionary<string, string?> applied) =>
        [.. live.Where(kv => !applied.TryGetValue(kv.Key, out var old) || old != kv.Value).Select(kv => kv.Key)
            .Concat(applied.Keys.Where(k => !live.ContainsKey(k)))];

    /// <summary>Every key of <paramref name="section"/> in <paramref name="target"/> becomes what <paramref name="source"/> has.</summary>
    private static void ReplaceSection(Dictionary<string, string?> target, IReadOnlyDictionary<string, string?> source, ILiveConfigSection section)
    {
        foreach (var key in target.Keys.Where(k => k.StartsWith(section.Prefix, StringComparison.OrdinalIgnoreCase)).ToList())
        {
            target.Remove(key);
        }
        foreach (var (key, value) in source.Where(kv => kv.Key.StartsWith(section.Prefix, StringComparison.OrdinalIgnoreCase)))
        {
            target[key] = value;
        }
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
            return Validate(routing, _routingValidators) ?? Validate(telemetry, _telemetryValidators)
                ?? _sections.Select(s => s.Validate(candidate)).FirstOrDefault(error => error is not null);
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
