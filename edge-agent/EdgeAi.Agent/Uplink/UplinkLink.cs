using EdgeAi.Common.Sync;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAi.Agent.Uplink;

/// <summary>One connection's link to the broker, as its users see it: publishing under this device's topics, and the largest packet the broker takes.</summary>
internal sealed class UplinkLink
{
    private readonly IMqttClient _client;
    private readonly string _deviceId;

    public UplinkLink(IMqttClient client, string deviceId, long brokerMaximumPacketSize)
    {
        _client = client;
        _deviceId = deviceId;
        BrokerMaximumPacketSize = brokerMaximumPacketSize;
    }

    /// <summary>The Maximum Packet Size the broker announced in CONNACK (MQTT 5); 0 when it did not say.</summary>
    public long BrokerMaximumPacketSize { get; }

    /// <summary>This device's topic for <paramref name="leaf"/>.</summary>
    public string Topic(string leaf) => SyncTopics.For(_deviceId, leaf);

    /// <summary>
    /// Publishes at QoS 1, with <paramref name="userProperties"/> (MQTT 5: the records' trace contexts); completes when the
    /// broker acknowledged. Throws <see cref="UplinkException"/> when it did not accept the message.
    /// </summary>
    public async Task PublishAsync(
        string leaf, byte[] payload, bool retain, CancellationToken cancellationToken, IReadOnlyList<KeyValuePair<string, string>>? userProperties = null)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(Topic(leaf))
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain);
        foreach (var (name, value) in userProperties ?? [])
        {
            builder.WithUserProperty(name, System.Text.Encoding.UTF8.GetBytes(value).AsMemory());
        }
        var message = builder.Build();
        var result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        if (!retain && result.ReasonCode == MqttClientPublishReasonCode.NoMatchingSubscribers)
        {
            // An external broker acknowledges a message nobody subscribed to and then drops it (the hub is
            // away and its subscription with it, e.g. after a broker restart): keep the records, try again later.
            throw new UplinkException($"the broker has no subscriber for {leaf} (the hub is not connected to it): records kept for later");
        }
        if (!result.IsSuccess)
        {
            throw new UplinkException($"the broker did not accept the {leaf} message: {result.ReasonCode} {result.ReasonString}");
        }
    }
}

/// <summary>The broker said no (refused connection, non-success acknowledgement).</summary>
internal sealed class UplinkException : Exception
{
    public UplinkException(string message)
        : base(message)
    {
    }

    public UplinkException()
    {
    }

    public UplinkException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
