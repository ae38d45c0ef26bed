using EdgeAi.Common.Sync;
using EdgeAi.Hub.Store;

namespace EdgeAi.Hub.Dashboard;

internal sealed record DeviceModelView(string Name, string Version, string State, string? ExecutionProvider);

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
    DateTimeOffset? EnrolledAt);

/// <summary>
/// What the dashboard shows per device, from the device row (presence, reported state) and its recent
/// telemetry. Its state is <see cref="DevicePresence.StateOf"/>, as the admin API and the CLI show it.
/// </summary>
internal static class FleetView
{
    public static DeviceView Describe(DeviceRow device, IEnumerable<byte[]> recentTelemetry, DateTimeOffset now, TimeSpan staleAfter)
    {
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
            reported is null ? [] : [.. reported.Models.Select(m => new DeviceModelView(m.Name, m.Version, m.State, m.ExecutionProvider.Length > 0 ? m.ExecutionProvider : null))],
            reported is null ? [] : [.. reported.Pipelines.Select(p => new DevicePipelineView(p.Name, p.Model, p.ModelVersion.Length > 0 ? p.ModelVersion : null, p.State, p.Reason.Length > 0 ? p.Reason : null))],
            StringMapJson.Read(device.Tags),
            device.DesiredRevision,
            reported?.DesiredRevision,
            requests,
            requests == 0 ? null : (double)servedCloud / requests,
            device.EnrolledAtMs is { } enrolled ? DateTimeOffset.FromUnixTimeMilliseconds(enrolled) : null);
    }
}
