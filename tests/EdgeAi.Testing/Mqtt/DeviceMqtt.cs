using EdgeAi.Common.Sync;
using EdgeAi.Testing.Hosts;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAi.Testing.Mqtt;

/// <summary>A device's side of MQTT without an agent: real clients, the messages an agent's outbox sends.</summary>
internal static class DeviceMqtt
{
    public static MqttClientOptionsBuilder DeviceOptions(int port, string clientId, string? user, string? password) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId)
            .WithCredentials(user, password)
            .WithTimeout(TimeSpan.FromSeconds(10));

    /// <summary>Connects; a refusal (MQTTnet reports it in the result, it does not throw) throws with the broker's reason.</summary>
    public static async Task<IMqttClient> ConnectAsync(MqttClientOptions options, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var result = await client.ConnectAsync(options, cancellationToken);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new InvalidOperationException($"the broker refused {options.ClientId}: {result.ResultCode} {result.ReasonString}");
            }
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public static Task<IMqttClient> ConnectDeviceAsync(int port, CancellationToken cancellationToken, string device = TestHub.DeviceId, string key = TestHub.DeviceKey) =>
        ConnectAsync(DeviceOptions(port, device, device, key).Build(), cancellationToken);

    /// <summary>A QoS 1 message, as the uplink sends every record batch.</summary>
    public static MqttApplicationMessage Message(string topic, IMessage payload, bool retain = false) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload.ToByteArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();

    /// <summary>Telemetry records seq first..first+count-1, created one second apart from <paramref name="createdUnixMs"/>.</summary>
    public static RecordBatch TelemetryBatch(long first, int count, long createdUnixMs = 1_700_000_000_000)
    {
        var batch = new RecordBatch { Stream = SyncTopics.Telemetry };
        for (var i = 0; i < count; i++)
        {
            var created = createdUnixMs + (i * 1000L);
            var telemetry = new Telemetry
            {
                WindowStartUnixMs = created - 1000,
                WindowEndUnixMs = created,
                Health = new DeviceHealth { CpuPercent = 12.5, AgentVersion = "1.2.3", Os = "linux" },
            };
            batch.Records.Add(new Record { Seq = first + i, CreatedUnixMs = created, Body = telemetry.ToByteString() });
        }
        return batch;
    }

    /// <summary>The retained "online" status an agent publishes on every connect.</summary>
    public static Status Online(string version = "1.2.3") =>
        new() { Online = true, AgentVersion = version, AtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), StartedUnixMs = 1_700_000_000_000 };
}
