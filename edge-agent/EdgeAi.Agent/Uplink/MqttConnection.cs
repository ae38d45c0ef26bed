using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using EdgeAi.Agent.Cloud;
using EdgeAi.Agent.Hosting;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Hosting;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Polly;
using Polly.Retry;

namespace EdgeAi.Agent.Uplink;

/// <summary>
/// The agent's one MQTT connection to the hub's broker, shared by its users: the <see cref="IUplinkSender"/>
/// (sync up: the outbox drainer) and the <see cref="IUplinkReceiver"/>s (sync down: the desired-state
/// subscriber). One loop of turns: connect when not connected (persistent session, retained Last Will
/// "offline"), announce "online" (retained), subscribe for the receivers when the broker kept no session,
/// let the sender send, and ping when it had nothing to send for a while. A failed turn waits with
/// exponential backoff and jitter (a Polly retry, so a fleet that lost its broker together does not
/// return together) and starts over, reconnecting if the link dropped. A clean stop says "offline"
/// itself. It knows neither the outbox nor the desired state.
/// </summary>
internal sealed class MqttConnection : BackgroundService
{
    private readonly UplinkOptions _options;
    private readonly CloudOptions _cloud;
    private readonly string _deviceId;
    private readonly UplinkState _state;
    private readonly IUplinkSender? _sender;
    private readonly Dictionary<string, (string Leaf, IUplinkReceiver Receiver)> _receivers;
    private readonly TimeProvider _time;
    private readonly ILogger<MqttConnection> _logger;
    private readonly LoopSupervisor _supervisor;
    private readonly DateTimeOffset _started;
    private UplinkLink? _link;

    public MqttConnection(
        IOptions<UplinkOptions> options, IOptions<CloudOptions> cloud, IOptions<AgentOptions> agent, UplinkState state,
        IEnumerable<IUplinkSender> senders, IEnumerable<IUplinkReceiver> receivers, TimeProvider time, ILogger<MqttConnection> logger, LoopSupervisor supervisor)
    {
        _options = options.Value;
        _cloud = cloud.Value;
        _deviceId = agent.Value.DeviceId;
        _state = state;
        // One sender at most: everything the device sends goes through the outbox.
        _sender = senders.SingleOrDefault();
        _receivers = receivers
            .SelectMany(r => r.Topics.Select(leaf => (Topic: SyncTopics.For(_deviceId, leaf), Leaf: leaf, Receiver: r)))
            .ToDictionary(r => r.Topic, r => (r.Leaf, r.Receiver), StringComparer.Ordinal);
        _time = time;
        _logger = logger;
        _supervisor = supervisor;
        _started = time.GetUtcNow();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _supervisor.RunAsync("uplink", RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            Log.Disabled(_logger);
            return;
        }
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        var reconnect = Reconnect(client);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Each turn is one execution: a turn that succeeds ends the backoff, the next failure starts it over.
                await reconnect.ExecuteAsync(async token => await TurnAsync(client, token).ConfigureAwait(false), stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await GoOfflineAsync(client).ConfigureAwait(false);
    }

    /// <summary>Connects if need be, lets the sender send, then waits for more (pinging an idle link).</summary>
    private async Task TurnAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        if (!client.IsConnected)
        {
            _state.SetConnected(false);
            await ConnectAsync(client, cancellationToken).ConfigureAwait(false);
        }
        var link = _link!;
        var busy = false;
        if (_sender is not null)
        {
            await _sender.SendAsync(link, cancellationToken).ConfigureAwait(false);
            busy = await _sender.WaitForWorkAsync(_options.IdleCheckInterval, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await Task.Delay(_options.IdleCheckInterval, _time, cancellationToken).ConfigureAwait(false);
        }
        if (!busy && !await client.TryPingAsync(cancellationToken).ConfigureAwait(false))
        {
            // A silent dead link: drop it so the next turn reconnects.
            await client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Retries failed turns for as long as the agent runs: Uplink:MinReconnectDelay doubling up to MaxReconnectDelay, jittered.</summary>
    private ResiliencePipeline Reconnect(IMqttClient client) =>
        new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                // Everything but stopping: a refused connection, a cut, a broker that acknowledged nothing.
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is { } e && !(e is OperationCanceledException && args.Context.CancellationToken.IsCancellationRequested)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.MinReconnectDelay,
                MaxDelay = _options.MaxReconnectDelay,
                OnRetry = args =>
                {
                    _state.Failed();
                    _state.SetConnected(client.IsConnected);
                    Log.Failed(_logger, _options.Broker, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception!.Message);
                    return default;
                },
            })
            .Build();

    private async Task ConnectAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        var result = await client.ConnectAsync(ClientOptions(), cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new UplinkException($"the broker refused the connection: {result.ResultCode} {result.ReasonString}");
        }
        // MQTT 5: the broker may announce the largest packet it accepts (0: it did not say).
        var link = _link = new UplinkLink(client, _deviceId, result.MaximumPacketSize ?? 0);
        await link.PublishAsync(SyncTopics.Status, Status(online: true, reason: "").ToByteArray(), retain: true, cancellationToken).ConfigureAwait(false);
        if (!result.IsSessionPresent && _receivers.Count > 0)
        {
            var subscribe = new MqttClientSubscribeOptionsBuilder();
            foreach (var topic in _receivers.Keys)
            {
                subscribe.WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce);
            }
            var subscribed = await client.SubscribeAsync(subscribe.Build(), cancellationToken).ConfigureAwait(false);
            foreach (var item in subscribed.Items.Where(i => (int)i.ResultCode > (int)MqttClientSubscribeResultCode.GrantedQoS2))
            {
                Log.SubscriptionRefused(_logger, item.TopicFilter.Topic, item.ResultCode.ToString());
            }
        }
        _state.SetConnected(true);
        Log.Connected(_logger, _options.Broker, _deviceId, result.IsSessionPresent, _sender?.Waiting ?? 0);
    }

    private MqttClientOptions ClientOptions()
    {
        var will = Status(online: false, reason: "connection lost");
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Broker.Host, _options.Port)
            .WithClientId(_deviceId)
            .WithCredentials(_deviceId, _cloud.DeviceKey ?? "")
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpiry.TotalSeconds)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.ConnectTimeout)
            .WithWillTopic(SyncTopics.For(_deviceId, SyncTopics.Status))
            .WithWillPayload(will.ToByteArray())
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain();
        if (_options.UseTls)
        {
            var validator = new EdgeAi.Common.Security.HubCertificateValidator(_cloud.CertificateFingerprint, _cloud.CaCertificatePath, _cloud.AllowUntrustedCertificate);
            builder.WithTlsOptions(tls => tls
                .UseTls()
                .WithTargetHost(_options.Broker.Host)
                // Offline devices with a private CA cannot check revocation online: it would stall every connect.
                .WithRevocationMode(X509RevocationMode.NoCheck)
                .WithCertificateValidationHandler(e => validator.Validate(e.Certificate, e.Chain, e.SslPolicyErrors)));
        }
        return builder.Build();
    }

    private Status Status(bool online, string reason) => new()
    {
        Online = online,
        AtUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
        AgentVersion = AgentHost.Version,
        StartedUnixMs = _started.ToUnixTimeMilliseconds(),
        Reason = reason,
    };

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        if (_receivers.TryGetValue(topic, out var receiver))
        {
            receiver.Receiver.Receive(new UplinkMessage(receiver.Leaf, topic, e.ApplicationMessage.Payload.ToArray()));
        }
        return Task.CompletedTask;
    }

    private async Task GoOfflineAsync(IMqttClient client)
    {
        if (_link is not { } link || !client.IsConnected)
        {
            return;
        }
        // A clean disconnect suppresses the will, so say "offline" ourselves first.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await link.PublishAsync(SyncTopics.Status, Status(online: false, reason: "shutdown").ToByteArray(), retain: true, timeout.Token).ConfigureAwait(false);
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token).ConfigureAwait(false);
            Log.WentOffline(_logger, _sender?.Waiting ?? 0);
        }
        catch (Exception e) when (e is OperationCanceledException or UplinkException or MqttCommunicationException)
        {
            // The broker is gone; the will reports the device offline instead.
        }
        _state.SetConnected(false);
    }
}
