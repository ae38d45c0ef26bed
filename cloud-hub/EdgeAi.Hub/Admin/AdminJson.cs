using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAi.Hub.Admin;

/// <summary>A device in GET /api/devices. <c>State</c> is online, offline, stale or revoked (<see cref="Store.DevicePresence"/>); <c>Online</c> is the last status as sent.</summary>
internal sealed record DeviceSummary(string Id, string State, bool Online, DateTimeOffset FirstSeenAt, DateTimeOffset LastSeenAt, string? AgentVersion, string? LastOfflineReason)
{
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    public DateTimeOffset? EnrolledAt { get; init; }

    public DateTimeOffset? RevokedAt { get; init; }
}

internal sealed record StreamSummary(string Stream, long Count, long HighestSeq);

internal sealed record DeviceDetail(
    string Id, string State, bool Online, DateTimeOffset FirstSeenAt, DateTimeOffset LastSeenAt, string? AgentVersion,
    DateTimeOffset? StatusAt, DateTimeOffset? StartedAt, string? LastOfflineReason,
    IReadOnlyList<StreamSummary> Streams, JsonElement? Health);

internal sealed record TelemetryPoint(long Seq, DateTimeOffset CreatedAt, JsonElement Telemetry);

internal sealed record TelemetryPage(string DeviceId, int Count, IReadOnlyList<TelemetryPoint> Items);

internal sealed record AuditEntry(long Id, DateTimeOffset At, string Actor, string Action, string Target, string? Detail);

/// <summary>Admin API JSON, source-generated (no reflection).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeviceSummary[]))]
[JsonSerializable(typeof(DeviceDetail))]
[JsonSerializable(typeof(TelemetryPage))]
[JsonSerializable(typeof(AuditEntry[]))]
internal sealed partial class AdminJson : JsonSerializerContext;
