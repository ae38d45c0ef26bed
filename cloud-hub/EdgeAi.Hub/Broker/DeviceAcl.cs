using EdgeAi.Common.Sync;

namespace EdgeAi.Hub.Broker;

/// <summary>
/// What a device may do on the embedded broker: publish its own streams and status, subscribe to
/// exact topics under its own prefix. No wildcards and no shared subscriptions, so a device can
/// never read another device's traffic.
/// </summary>
internal static class DeviceAcl
{
    public static bool CanPublish(string deviceId, string topic) =>
        SyncTopics.TryParse(topic, out var device, out var leaf)
        && string.Equals(device, deviceId, StringComparison.Ordinal)
        && (leaf == SyncTopics.Status || SyncTopics.Streams.Contains(leaf));

    public static bool CanSubscribe(string deviceId, string topicFilter) =>
        topicFilter.AsSpan().IndexOfAny('+', '#') < 0
        && SyncTopics.TryParse(topicFilter, out var device, out _)
        && string.Equals(device, deviceId, StringComparison.Ordinal);
}
