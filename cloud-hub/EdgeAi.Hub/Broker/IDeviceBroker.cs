using MQTTnet;

namespace EdgeAi.Hub.Broker;

/// <summary>
/// The hub's side of MQTT, whichever way it runs (embedded broker, client of an external one, or
/// off): what the rest of the hub needs from it: publish to a device's topics, drop a device, and
/// know when it is up.
/// </summary>
internal interface IDeviceBroker
{
    /// <summary>Completes once the broker takes publishes (the embedded one listens; the external client has started); faults when its start failed.</summary>
    Task Ready { get; }

    /// <summary>Publishes as the hub itself (no device ACL applies); false while it cannot (not started, link down, refused): the caller retries.</summary>
    Task<bool> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken);

    /// <summary>Drops a device's live connection and session; false when it was not connected, or when the broker is not the hub's to run.</summary>
    Task<bool> DisconnectAsync(string deviceId, string reason);
}

/// <summary>MQTT off (Hub:Mqtt:Enabled=false): nothing to publish to, so desired states stay in the store; no session to drop.</summary>
internal sealed class NoBroker : IDeviceBroker
{
    public Task Ready => Task.CompletedTask;

    public Task<bool> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task<bool> DisconnectAsync(string deviceId, string reason) => Task.FromResult(false);
}
