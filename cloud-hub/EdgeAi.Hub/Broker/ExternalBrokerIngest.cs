using System.Security.Cryptography.X509Certificates;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Ingest;
using EdgeAi.Hub.Security;
using EdgeAi.Hub.Store;
using EdgeAi.Serving.Hosting;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAi.Hub.Broker;

/// <summary>
/// External-broker mode: the hub is a client with a persistent session and a shared subscription to
/// every device's topics, so replicas in one group split the load. A message is acknowledged only
/// after it is stored; until then the broker keeps it for this session. The connection loop runs
/// under the <see cref="LoopSupervisor"/> and starts once the store exists and the device credentials
/// are loaded (it refuses to store what revoked devices send).
/// </summary>
internal sealed class ExternalBrokerIngest(
    IOptions<MqttOptions> options,
    MessageIngest ingest,
    DeviceCredentials credentials,
    StoreInitializer schema,
    DeviceCredentialsLoader credentialsLoader,
    MqttRefusals refusals,
    LoopSupervisor supervisor,
    TimeProvider time,
    ILogger<ExternalBrokerIngest> logger) : BackgroundService, IDeviceBroker
{
    /// <summary>Marks what arrives through <see cref="PresenceFilter"/>, so its live copies (the shared subscription brings those) can be told apart.</summary>
    private const uint PresenceSubscriptionId = 1;

    private readonly SemaphoreSlim _disconnected = new(0, 1);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IMqttClient? _client;

    /// <summary>Complete once started: publishes are taken from then on (refused, and retried by the caller, while the link is down).</summary>
    public Task Ready => _ready.Task;

    /// <summary>Whether the link to the external broker is up now (for the broker health check).</summary>
    public bool IsConnected => _client is { IsConnected: true };

    public string TopicFilter => $"$share/{options.Value.SharedGroup}/{SyncTopics.Root}+/+";

    /// <summary>
    /// Every device's status, not shared: MQTT 5 brokers send retained messages to plain subscriptions
    /// only (Mosquitto 2.0 also to shared ones), so on each (re)connect this re-learns who is online
    /// from the broker, whatever the store says.
    /// </summary>
    public static string PresenceFilter => $"{SyncTopics.Root}+/{SyncTopics.Status}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ready.TrySetResult();
        try
        {
            await schema.EnsureCreatedAsync(stoppingToken).ConfigureAwait(false);
            await credentialsLoader.EnsureLoadedAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        await supervisor.RunAsync("external-broker", RunAsync, stoppingToken).ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var mqtt = options.Value;
        var broker = mqtt.ExternalBrokerUri!;
        using var client = new MqttClientFactory().CreateMqttClient();
        _client = client;
        client.ApplicationMessageReceivedAsync += e => OnMessageAsync(e, stoppingToken);
        // Only a wake-up for the loop below: reconnecting from this handler can deadlock the client.
        client.DisconnectedAsync += _ =>
        {
            if (_disconnected.CurrentCount == 0)
            {
                _disconnected.Release();
            }
            return Task.CompletedTask;
        };
        var clientOptions = ClientOptions(mqtt, broker);
        var delay = mqtt.ReconnectDelay;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // TryPingAsync swallows cancellation: a stop during the ping must not go on to connect.
                if (!await client.TryPingAsync(stoppingToken).ConfigureAwait(false) && !stoppingToken.IsCancellationRequested)
                {
                    var failure = await ConnectAsync(client, clientOptions, broker, stoppingToken).ConfigureAwait(false);
                    if (failure is not null)
                    {
                        var wait = Jitter(delay);
                        Log.ExternalConnectFailed(logger, broker, failure, wait);
                        await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, mqtt.MaxReconnectDelay.Ticks));
                        continue;
                    }
                    delay = mqtt.ReconnectDelay;
                }
                await _disconnected.WaitAsync(mqtt.HealthCheckInterval, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        if (client.IsConnected)
        {
            // Keep the session: the broker queues for this hub while it is away.
            await client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection }, CancellationToken.None)
                .ConfigureAwait(false);
        }
    }

    /// <summary>Publishes through the hub's connection (desired states); false while it is not connected or the broker refused.</summary>
    public async Task<bool> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        if (_client is not { IsConnected: true } client)
        {
            return false;
        }
        try
        {
            return (await client.PublishAsync(message, cancellationToken).ConfigureAwait(false)).IsSuccess;
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The external broker authenticates devices itself: the hub cannot drop one there (it refuses to store what a revoked one sends).</summary>
    public Task<bool> DisconnectAsync(string deviceId, string reason) => Task.FromResult(false);

    /// <summary>Connects and subscribes; returns why it failed, or null.</summary>
    private async Task<string?> ConnectAsync(IMqttClient client, MqttClientOptions clientOptions, Uri broker, CancellationToken cancellationToken)
    {
        try
        {
            var result = await client.ConnectAsync(clientOptions, cancellationToken).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return $"{result.ResultCode} {result.ReasonString}".Trim();
            }
            Log.ExternalConnected(logger, broker, clientOptions.ClientId, result.IsSessionPresent);
            // Subscribe even when the session is present: Mosquitto 2.0 restores a persisted session
            // without its shared subscriptions, and subscribing again is harmless.
            {
                var subscribe = new MqttClientSubscribeOptionsBuilder()
                    .WithTopicFilter(f => f.WithTopic(TopicFilter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
                    .Build();
                var subscribed = await client.SubscribeAsync(subscribe, cancellationToken).ConfigureAwait(false);
                var presence = new MqttClientSubscribeOptionsBuilder()
                    .WithTopicFilter(f => f.WithTopic(PresenceFilter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                        .WithRetainHandling(MqttRetainHandling.SendAtSubscribe))
                    .WithSubscriptionIdentifier(PresenceSubscriptionId)
                    .Build();
                var presenceSubscribed = await client.SubscribeAsync(presence, cancellationToken).ConfigureAwait(false);
                foreach (var item in subscribed.Items.Concat(presenceSubscribed.Items).Where(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2))
                {
                    Log.ExternalSubscribeRefused(logger, item.TopicFilter.Topic, item.ResultCode.ToString());
                    await client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken).ConfigureAwait(false);
                    return $"subscription refused ({item.ResultCode})";
                }
            }
            return null;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return e.Message;
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e, CancellationToken stoppingToken)
    {
        e.AutoAcknowledge = false;
        var topic = e.ApplicationMessage.Topic;
        if (!SyncTopics.TryParse(topic, out var device, out var leaf))
        {
            Log.ExternalForeignTopic(logger, topic);
            await e.AcknowledgeAsync(stoppingToken).ConfigureAwait(false);
            return;
        }
        var message = e.ApplicationMessage;
        var presenceCopy = message.SubscriptionIdentifiers?.Contains(PresenceSubscriptionId) == true;
        if (presenceCopy && !message.Retain)
        {
            // A live status: the shared subscription brings it too, to exactly one replica.
            await e.AcknowledgeAsync(stoppingToken).ConfigureAwait(false);
            return;
        }
        if (credentials.IsRevoked(device))
        {
            // The external broker authenticates devices itself; the hub can only refuse to store what a revoked one sends.
            await e.AcknowledgeAsync(stoppingToken).ConfigureAwait(false);
            return;
        }
        if (message.Payload.Length > options.Value.MaxPacketBytes)
        {
            // The broker was told our Maximum Packet Size; one that ignores it still gets nothing stored.
            refusals.PacketRefused(device, "via the external broker", message.Payload.Length, options.Value.MaxPacketBytes);
            await e.AcknowledgeAsync(stoppingToken).ConfigureAwait(false);
            return;
        }
        var delay = options.Value.ReconnectDelay;
        IngestOutcome outcome;
        // The broker already checked who may publish where; the hub trusts the topic's device id.
        // Retained means sent because the hub subscribed (live messages come without the flag): old news, whichever subscription brought it.
        while ((outcome = await ingest.IngestAsync(device, leaf, message.Payload, stoppingToken, relearned: message.Retain, MqttTrace.Read(message)).ConfigureAwait(false)) == IngestOutcome.Failed)
        {
            // Not acknowledged yet, and acknowledgements go out in order: keep this one until it is stored.
            var wait = Jitter(delay);
            Log.ExternalStoreRetry(logger, topic, wait);
            await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.Value.MaxReconnectDelay.Ticks));
        }
        // Stored, or never storable (invalid): either way the broker may let it go.
        await e.AcknowledgeAsync(stoppingToken).ConfigureAwait(false);
    }

    private static MqttClientOptions ClientOptions(MqttOptions mqtt, Uri broker)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithClientId(mqtt.ClientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)Math.Min(mqtt.SessionExpiry.TotalSeconds, uint.MaxValue))
            // MQTT 5: the broker must not send this client a larger packet (it drops such a message for us).
            .WithMaximumPacketSize((uint)mqtt.MaxPacketBytes)
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (!string.IsNullOrEmpty(mqtt.ExternalUsername))
        {
            builder.WithCredentials(mqtt.ExternalUsername, mqtt.ExternalPassword);
        }
        if (broker.Scheme == "mqtts")
        {
            // The system trust store; no online revocation check, which stalls when the CA's CRL is unreachable.
            builder.WithTlsOptions(tls => tls.UseTls().WithRevocationMode(X509RevocationMode.NoCheck));
        }
        return builder.Build();
    }

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + (0.4 * Random.Shared.NextDouble()));

    public override void Dispose()
    {
        _disconnected.Dispose();
        base.Dispose();
    }
}
