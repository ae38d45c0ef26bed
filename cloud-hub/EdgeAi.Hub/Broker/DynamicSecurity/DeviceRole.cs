using EdgeAi.Common.Sync;

namespace EdgeAi.Hub.Broker.DynamicSecurity;

/// <summary>
/// A device's role at the broker, the dynamic-security twin of <see cref="DeviceAcl"/>: publish its
/// status and its own streams, subscribe to (and receive) exact topics of its own (desired,
/// commands). Literal topics only, no %u patterns: the role names one device, so nothing depends on
/// how the plugin substitutes, and no wildcard can reach another device's topics.
/// </summary>
internal static class DeviceRole
{
    /// <summary>Hub -> device topics a device subscribes to.</summary>
    public static IReadOnlyList<string> Inbound { get; } = [SyncTopics.Desired, SyncTopics.Commands];

    public static string Name(string prefix, string deviceId) => prefix + deviceId;

    public static IReadOnlyList<DynsecAcl> Acls(string deviceId)
    {
        var acls = new List<DynsecAcl> { new(DynsecAcl.PublishClientSend, SyncTopics.For(deviceId, SyncTopics.Status)) };
        acls.AddRange(SyncTopics.Streams.Select(stream => new DynsecAcl(DynsecAcl.PublishClientSend, SyncTopics.For(deviceId, stream))));
        foreach (var leaf in Inbound)
        {
            acls.Add(new DynsecAcl(DynsecAcl.SubscribeLiteral, SyncTopics.For(deviceId, leaf)));
            acls.Add(new DynsecAcl(DynsecAcl.PublishClientReceive, SyncTopics.For(deviceId, leaf)));
        }
        return acls;
    }
}
