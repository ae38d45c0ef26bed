using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAi.Hub.Support;

/// <summary>A support bundle asked of a device: <c>requested</c> until the device uploads it, then <c>received</c> with its size and sha256.</summary>
internal sealed record SupportBundleInfo(string RequestId, string DeviceId, string Status, DateTimeOffset RequestedAt, string RequestedBy)
{
    public const string Requested = "requested";
    public const string Received = "received";

    public DateTimeOffset? ReceivedAt { get; init; }

    public long? SizeBytes { get; init; }

    public string? Sha256 { get; init; }
}

/// <summary>Support bundle JSON (records on disk and the admin API), source-generated.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = true)]
[JsonSerializable(typeof(SupportBundleInfo))]
[JsonSerializable(typeof(SupportBundleInfo[]))]
internal sealed partial class SupportJson : JsonSerializerContext;
