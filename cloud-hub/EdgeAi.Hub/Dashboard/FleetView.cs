using EdgeAi.Common.Sync;
using EdgeAi.Hub.Store;

namespace EdgeAi.Hub.Dashboard;

/// <summary>A model as the device reported it; Variant is "fp32" for agents that predate variants (they report none).</summary>
internal sealed record DeviceModelView(string Name, string Version, string State, string? ExecutionProvider, string Variant = "fp32");

/// <summary>A <c>rule_fired</c> event of the device: the rule, its result (label and score, or "fired"), trigger-to-action latency, when.</summary>
internal sealed record RuleFiredView(string Rule, string Result, double? LatencyMs, string? Trigger, DateTimeOffset At);

/// <summary>A device event as stored: when it was created on the device, and its body.</summary>
internal readonly record struct StoredEvent(long CreatedAtMs, byte[] Body);
/// <summary>A pipeline the device serves: its model and where it stands (ready, cloud, waiting, failed), with why when not ready.</summary>
internal sealed record DevicePipelineView(string Name, string Model, string? ModelVersion, string State, string? Reason);

internal sealed record DeviceView(
    string Id,
    string State,
    DateTimeOffset LastSeenAt,
    string? AgentVersion,
    IReadOnlyList<string> ExecutionProviders,
    IReadOnlyList<DeviceModelView> Models,
    IReadOnlyList<DevicePipelineView> Pipelines,
    IReadOnlyDictionary<string, string> Tags,
    long? DesiredRevision,
    long? ReportedRevision,
    long Requests,
    double? FallbackRate,
    DateTimeOffset? EnrolledAt,
    IReadOnlyList<RuleFiredView> RecentRuleFires);

/// <summary>
/// What the dashboard shows per device, from the device row (presence, reported state), its recent
/// telemetry and its recent <c>rule_fired</c> events. Its state is <see cref="DevicePresence.StateOf"/>, as the admin API and the CLI show it.
/// </summary>
internal static class FleetView
{
    /// <summary>How many of a device's rule fires the view carries, newest first.</summary>
    public const int RuleFires = 5;

    public static DeviceView Describe(DeviceRow device, IEnumerable<byte[]> recentTelemetry, IEnumerable<StoredEvent> recentEvents, DateTimeOffset now, TimeSpan staleAfter)
    {
        ArgumentNullException.ThrowIfNull(recentEvents);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(recentTelemetry);
        var lastSeen = DateTimeOffset.FromUnixTimeMilliseconds(device.LastSeenAtMs);
        var state = DevicePresence.StateOf(device, now, staleAfter);

        var reported = StoredBody.TryParse(device.Reported, ReportedState.Parser);
        long requests = 0, servedCloud = 0;
        IReadOnlyList<string> telemetryProviders = [];
        foreach (var telemetry in recentTelemetry.Select(body => StoredBody.TryParse(body, Telemetry.Parser)).OfType<Telemetry>())
        {
            foreach (var model in telemetry.Models)
            {
                requests += model.Requests;
                servedCloud += model.ServedCloud;
            }
            if (telemetry.Health?.ExecutionProviders.Count > 0)
            {
                telemetryProviders = [.. telemetry.Health.ExecutionProviders];
            }
        }
        return new DeviceView(
            device.Id,
            state,
            lastSeen,
            reported is { AgentVersion.Length: > 0 } ? reported.AgentVersion : device.AgentVersion,
            reported is { ExecutionProviders.Count: > 0 } ? [.. reported.ExecutionProviders] : telemetryProviders,
            reported is null ? [] : [.. reported.Models.Select(m => new DeviceModelView(m.Name, m.Version, m.State, m.ExecutionProvider.Length > 0 ? m.ExecutionProvider : null, Common.Fleet.ModelVariants.Normalize(m.Variant)))],
            reported is null ? [] : [.. reported.Pipelines.Select(p => new DevicePipelineView(p.Name, p.Model, p.ModelVersion.Length > 0 ? p.ModelVersion : null, p.State, p.Reason.Length > 0 ? p.Reason : null))],
            StringMapJson.Read(device.Tags),
            device.DesiredRevision,
            reported?.DesiredRevision,
            requests,
            requests == 0 ? null : (double)servedCloud / requests,
            device.EnrolledAtMs is { } enrolled ? DateTimeOffset.FromUnixTimeMilliseconds(enrolled) : null,
            RuleFiresOf(recentEvents));
    }

    /// <summary>The newest <see cref="RuleFires"/> rule_fired events; bodies that do not parse, and other kinds, are left out.</summary>
    private static List<RuleFiredView> RuleFiresOf(IEnumerable<StoredEvent> events) =>
        [.. events
            .OrderByDescending(e => e.CreatedAtMs)
            .Select(e => (e.CreatedAtMs, Event: StoredBody.TryParse(e.Body, DeviceEvent.Parser)))
            .Where(e => e.Event is { Kind: "rule_fired" } && e.Event.Attributes.ContainsKey("rule"))
            .Take(RuleFires)
            .Select(e => new RuleFiredView(
                e.Event!.Attributes["rule"],
                e.Event.Attributes.GetValueOrDefault("result") ?? "fired",
                double.TryParse(e.Event.Attributes.GetValueOrDefault("latency_ms"), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ms) ? ms : null,
                e.Event.Attributes.GetValueOrDefault("trigger"),
                DateTimeOffset.FromUnixTimeMilliseconds(e.CreatedAtMs)))];
}
