using System.Diagnostics.CodeAnalysis;

namespace EdgeAi.Common.Sync;

/// <summary>
/// MQTT topic layout: <c>edgeai/v1/{deviceId}/{leaf}</c>. Device ids are restricted to characters
/// that cannot change a topic's meaning (no '/', '+', '#'), so a prefix check is a sound ACL.
/// </summary>
public static class SyncTopics
{
    public const string Root = "edgeai/v1/";

    // Device -> hub, each a sequenced stream of RecordBatch messages.
    public const string Telemetry = "telemetry";
    public const string Inference = "inference";
    public const string Events = "events";
    public const string Deployments = "deployments";
    public const string Reported = "reported";

    // Device -> hub, retained presence (also the Last Will).
    public const string Status = "status";

    // Hub -> device.
    public const string Desired = "desired";
    public const string Commands = "commands";

    /// <summary>The streams a device sends through its outbox.</summary>
    public static IReadOnlyList<string> Streams { get; } = [Telemetry, Inference, Events, Deployments, Reported];

    public static string Prefix(string deviceId) => Root + deviceId + "/";

    public static string For(string deviceId, string leaf) => Root + deviceId + "/" + leaf;

    /// <summary>1 to 64 characters from [A-Za-z0-9._-].</summary>
    public static bool IsValidDeviceId([NotNullWhen(true)] string? deviceId) =>
        deviceId is { Length: > 0 and <= 64 } && deviceId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>Splits <c>edgeai/v1/{device}/{leaf}</c>; false for anything else, including deeper topics.</summary>
    public static bool TryParse(string topic, [NotNullWhen(true)] out string? deviceId, [NotNullWhen(true)] out string? leaf)
    {
        deviceId = null;
        leaf = null;
        if (topic is null || !topic.StartsWith(Root, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = topic.AsSpan(Root.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0 || slash == rest.Length - 1 || rest[(slash + 1)..].Contains('/'))
        {
            return false;
        }
        var device = rest[..slash].ToString();
        if (!IsValidDeviceId(device))
        {
            return false;
        }
        deviceId = device;
        leaf = rest[(slash + 1)..].ToString();
        return true;
    }
}
