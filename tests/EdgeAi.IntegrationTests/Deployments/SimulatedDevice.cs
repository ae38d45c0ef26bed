using EdgeAi.Common.Sync;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAi.IntegrationTests.Deployments;

/// <summary>
/// A device as the hub sees it, without an agent: a real MQTT client on the hub's embedded broker
/// that follows its retained desired state and reports deployment statuses and reported state as
/// sequenced record batches, the way the agent's outbox does.
/// </summary>
internal sealed class SimulatedDevice : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly Lock _gate = new();
    private readonly List<DesiredState> _desired = [];
    private readonly Dictionary<string, long> _seq = new(StringComparer.Ordinal);

    private SimulatedDevice(string id, IMqttClient client)
    {
        Id = id;
        _client = client;
    }

    public string Id { get; }

    /// <summary>Every desired state received, in arrival order.</summary>
    public IReadOnlyList<DesiredState> Desired
    {
        get
        {
            lock (_gate)
            {
                return [.. _desired];
            }
        }
    }

    public DesiredState? Latest
    {
        get
        {
            lock (_gate)
            {
                return _desired.Count == 0 ? null : _desired[^1];
            }
        }
    }

    /// <summary>Connects, follows the desired topic, and says it is online (which makes the hub know the device).</summary>
    public static Task<SimulatedDevice> ConnectAsync(TestHub hub, string id, string key, CancellationToken cancellationToken) =>
        ConnectAsync(hub.MqttPort, id, key, cancellationToken);

    /// <summary>As above, to any broker on loopback (an external one the hub is a client of).</summary>
    public static async Task<SimulatedDevice> ConnectAsync(int port, string id, string key, CancellationToken cancellationToken)
    {
        var client = await DeviceMqtt.ConnectDeviceAsync(port, cancellationToken, id, key);
        var device = new SimulatedDevice(id, client);
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Topic == SyncTopics.For(id, SyncTopics.Desired))
            {
                var state = DesiredState.Parser.ParseFrom(e.ApplicationMessage.Payload);
                lock (device._gate)
                {
                    device._desired.Add(state);
                }
            }
            return Task.CompletedTask;
        };
        var subscribed = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(SyncTopics.For(id, SyncTopics.Desired), MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
        subscribed.Items.Single().ResultCode.ShouldBe(MqttClientSubscribeResultCode.GrantedQoS1);
        await device.AnnounceAsync(cancellationToken);
        return device;
    }

    /// <summary>Publishes a retained online status (which makes the hub know the device).</summary>
    public async Task AnnounceAsync(CancellationToken cancellationToken) =>
        (await _client.PublishAsync(DeviceMqtt.Message(SyncTopics.For(Id, SyncTopics.Status), DeviceMqtt.Online(), retain: true), cancellationToken)).IsSuccess.ShouldBeTrue();

    /// <summary>The model as the latest desired state names it, or null.</summary>
    public DesiredModel? DesiredModel(string name) => Latest?.Models.FirstOrDefault(m => m.Name == name);

    /// <summary>Waits until the latest desired state satisfies <paramref name="condition"/>.</summary>
    public async Task<DesiredState> WaitForDesiredAsync(Func<DesiredState, bool> condition, string what, CancellationToken cancellationToken)
    {
        await Eventually.UntilAsync(() => Task.FromResult(Latest is { } latest && condition(latest)),
            () => $"{Id}: {what} (latest desired state: {Latest?.ToString() ?? "none"})", cancellationToken);
        return Latest!;
    }

    /// <summary>Reports progress of a model version for the revision that asked for it (default: the latest received).</summary>
    public Task ReportAsync(string model, string version, string state, CancellationToken cancellationToken, string message = "", long? revision = null) =>
        SendAsync(SyncTopics.Deployments, new DeploymentStatus
        {
            DesiredRevision = revision ?? Latest?.Revision ?? 0,
            Model = model,
            Version = version,
            State = state,
            Message = message,
        }, cancellationToken);

    public Task SendAsync(string stream, IMessage body, CancellationToken cancellationToken)
    {
        long seq;
        lock (_gate)
        {
            seq = _seq[stream] = _seq.GetValueOrDefault(stream) + 1;
        }
        var batch = new RecordBatch { Stream = stream, Epoch = 1 };
        batch.Records.Add(new EdgeAi.Common.Sync.Record { Seq = seq, CreatedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Body = body.ToByteString() });
        return PublishAsync(SyncTopics.For(Id, stream), batch, cancellationToken);
    }

    private async Task PublishAsync(string topic, IMessage payload, CancellationToken cancellationToken)
    {
        var result = await _client.PublishAsync(DeviceMqtt.Message(topic, payload), cancellationToken);
        result.ReasonCode.ShouldBe(MqttClientPublishReasonCode.Success, $"{Id} publishing to {topic}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }
        _client.Dispose();
    }
}
