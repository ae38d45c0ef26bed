using System.Buffers;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using EdgeAi.Agent.Cloud;
using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Hosting;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace EdgeAi.Agent.Uplink;

/// <summary>
/// Drains the outbox to the hub's broker. One loop: connect when not connected (persistent
/// session, Last Will "offline"), announce "online" (retained), send each stream's oldest records
/// in batches at QoS 1, most urgent stream first, and delete from the outbox only what the broker
/// acknowledged. Any failure waits with exponential backoff and jitter and starts over; the
/// outbox is the only copy that counts, so nothing is lost to a cut. Also stores the desired
/// state the hub publishes and records commands as events.
/// </summary>
internal sealed class MqttUplink : BackgroundService
{
    private readonly UplinkOptions _options;
    private readonly CloudOptions _cloud;
    private readonly string _deviceId;
    private readonly DurableOutbox _outbox;
    private readonly DesiredStateStore _desired;
    private readonly EventReporter _events;
    private readonly UplinkState _state;
    private readonly TimeProvider _time;
    private readonly ILogger<MqttUplink> _logger;
    private readonly LoopSupervisor _supervisor;
    private readonly DateTimeOffset _started;
    private long _brokerMaxPacket;

    public MqttUplink(
        IOptions<UplinkOptions> options, IOptions<CloudOptions> cloud, IOptions<AgentOptions> agent, DurableOutbox outbox,
        DesiredStateStore desired, EventReporter events, UplinkState state, TimeProvider time, ILogger<MqttUplink> logger,
        LoopSupervisor supervisor)
    {
        _options = options.Value;
        _cloud = cloud.Value;
        _deviceId = agent.Value.DeviceId;
        _outbox = outbox;
        _desired = desired;
        _events = events;
        _state = state;
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
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!client.IsConnected)
                {
                    _state.SetConnected(false);
                    await ConnectAsync(client, stoppingToken).ConfigureAwait(false);
                }
                await DrainAsync(client, stoppingToken).ConfigureAwait(false);
                failures = 0;
                if (!await _outbox.WaitForRecordsAsync(_options.IdleCheckInterval, stoppingToken).ConfigureAwait(false)
                    && !await client.TryPingAsync(stoppingToken).ConfigureAwait(false))
                {
                    // A silent dead link: drop it so the next turn reconnects.
                    await client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                failures++;
                _state.Failed();
                _state.SetConnected(client.IsConnected);
                var delay = Backoff(failures);
                Log.Failed(_logger, _options.Broker, failures, delay, e.Message);
                try
                {
                    await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        await GoOfflineAsync(client).ConfigureAwait(false);
    }

    private async Task ConnectAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        var result = await client.ConnectAsync(ClientOptions(), cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new UplinkException($"the broker refused the connection: {result.ResultCode} {result.ReasonString}");
        }
        // MQTT 5: the broker may announce the largest packet it accepts (0: it did not say).
        Volatile.Write(ref _brokerMaxPacket, result.MaximumPacketSize ?? 0);
        await PublishAsync(client, SyncTopics.Status, Status(online: true, reason: "").ToByteArray(), retain: true, cancellationToken).ConfigureAwait(false);
        if (!result.IsSessionPresent)
        {
            var subscribe = new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(SyncTopics.For(_deviceId, SyncTopics.Desired), MqttQualityOfServiceLevel.AtLeastOnce)
                .WithTopicFilter(SyncTopics.For(_deviceId, SyncTopics.Commands), MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            var subscribed = await client.SubscribeAsync(subscribe, cancellationToken).ConfigureAwait(false);
            foreach (var item in subscribed.Items.Where(i => (int)i.ResultCode > (int)MqttClientSubscribeResultCode.GrantedQoS2))
            {
                Log.SubscriptionRefused(_logger, item.TopicFilter.Topic, item.ResultCode.ToString());
            }
        }
        _state.SetConnected(true);
        Log.Connected(_logger, _options.Broker, _deviceId, result.IsSessionPresent, _outbox.TotalDepth);
    }

    /// <summary>
    /// Sends until the outbox is empty, up to MaxInFlight batches at once, the most urgent stream with
    /// unsent records first. Acknowledgements are taken in sending order and each deletes its batch, so
    /// only a prefix of what was sent is ever deleted; on any failure the rest stays and is sent again.
    /// When the outbox replaces a damaged file its record ids start over: the cursor starts over with
    /// them, and acknowledgements of batches sent from the old file delete nothing.
    /// </summary>
    private async Task DrainAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        var cursor = new DrainCursor(_outbox.Generation);
        var inFlight = new Queue<(string Stream, OutboxRecord Last, int Count, Task Publish)>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                while (inFlight.Count < _options.MaxInFlight && NextBatch(cursor) is { } next)
                {
                    cursor.SentUpTo[next.Stream] = next.Last.Id;
                    inFlight.Enqueue((next.Stream, next.Last, next.Count, PublishAsync(client, next.Stream, next.Payload, retain: false, cancellationToken)));
                }
                if (!inFlight.TryDequeue(out var oldest))
                {
                    return;
                }
                await oldest.Publish.ConfigureAwait(false);
                _outbox.Acknowledge(oldest.Stream, oldest.Last);
                _state.Sent(oldest.Count);
            }
        }
        finally
        {
            // Abandoned publishes still complete (or fail) on their own; observe them so no failure goes unobserved.
            foreach (var (_, _, _, publish) in inFlight)
            {
                _ = publish.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
    }

    /// <summary>The next batch: cut by <see cref="BatchCutter"/> at BatchSize records, the byte limit and an epoch change.</summary>
    private (string Stream, OutboxRecord Last, int Count, byte[] Payload)? NextBatch(DrainCursor cursor)
    {
        var streams = new Queue<string>(_outbox.StreamsByPriority());
        while (streams.TryDequeue(out var stream))
        {
            var records = _outbox.Peek(stream, _options.BatchSize, cursor.SentUpTo.GetValueOrDefault(stream));
            if (records.Count == 0)
            {
                continue;
            }
            if (records[0].Generation != cursor.Generation)
            {
                // The file was replaced (perhaps by this very peek): its ids mean something else now.
                cursor.Restart(records[0].Generation);
                streams = new Queue<string>(_outbox.StreamsByPriority());
                continue;
            }
            var cut = BatchCutter.Cut(stream, records, _options.BatchSize, MessageLimit(stream));
            if (cut.TooLarge is { } huge)
            {
                DropTooLarge(stream, huge, cut.Bytes);
                streams = new Queue<string>([stream, .. streams]);
                continue;
            }
            return (stream, cut.Last!, cut.Batch!.Records.Count, cut.Batch.ToByteArray());
        }
        return null;
    }

    /// <summary>Payload bytes one message may carry: Uplink:MaxBatchBytes, or less when the broker announced a smaller Maximum Packet Size.</summary>
    private long MessageLimit(string stream)
    {
        var broker = Volatile.Read(ref _brokerMaxPacket);
        var limit = (long)_options.MaxBatchBytes;
        // A broker announcing less than the smallest configurable limit is not believed: obeying it would drop every record.
        return broker >= 4096 ? Math.Min(limit, broker - BatchCutter.PacketOverhead(SyncTopics.For(_deviceId, stream))) : limit;
    }

    /// <summary>
    /// A record no message can carry would hold back its stream for ever: it is removed, counted as
    /// dropped, and reported (the event is small enough for any broker).
    /// </summary>
    private void DropTooLarge(string stream, OutboxRecord record, long bytes)
    {
        var limit = MessageLimit(stream);
        if (!_outbox.Discard(stream, record))
        {
            return;
        }
        Log.RecordTooLarge(_logger, stream, record.Sequence, bytes, limit);
        _events.Report("record_too_large", EventReporter.Warning,
            $"{stream} record {record.Sequence} needs {bytes} bytes in a message, over the limit of {limit}; it was dropped",
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["stream"] = stream,
                ["seq"] = record.Sequence.ToString(CultureInfo.InvariantCulture),
                ["epoch"] = record.Epoch.ToString(CultureInfo.InvariantCulture),
                ["bytes"] = bytes.ToString(CultureInfo.InvariantCulture),
                ["limit"] = limit.ToString(CultureInfo.InvariantCulture),
            });
    }

    /// <summary>Where the drain is: per stream, the last record id sent, valid for one outbox generation.</summary>
    private sealed class DrainCursor(long generation)
    {
        public long Generation { get; private set; } = generation;

        public Dictionary<string, long> SentUpTo { get; } = new(StringComparer.Ordinal);

        public void Restart(long generation)
        {
            Generation = generation;
            SentUpTo.Clear();
        }
    }

    private async Task PublishAsync(IMqttClient client, string leaf, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(SyncTopics.For(_deviceId, leaf))
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        var result = await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
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

    private TimeSpan Backoff(int failures)
    {
        var exponential = _options.MinReconnectDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 16));
        var capped = Math.Min(exponential, _options.MaxReconnectDelay.TotalMilliseconds);
        // Full jitter between half and all of the delay: a fleet that lost its broker together does not return together.
        return TimeSpan.FromMilliseconds(capped * (0.5 + Random.Shared.NextDouble() * 0.5));
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        var payload = e.ApplicationMessage.Payload.ToArray();
        try
        {
            if (topic == SyncTopics.For(_deviceId, SyncTopics.Desired))
            {
                if (payload.Length == 0)
                {
                    return Task.CompletedTask; // a cleared retained message: nothing desired yet
                }
                var state = DesiredState.Parser.ParseFrom(payload);
                if (_desired.TrySave(state))
                {
                    Log.DesiredStored(_logger, state.Revision, state.Models.Count);
                }
            }
            else if (topic == SyncTopics.For(_deviceId, SyncTopics.Commands))
            {
                var command = Command.Parser.ParseFrom(payload);
                Log.CommandReceived(_logger, command.Name, command.Id);
                _events.Report("command_received", EventReporter.Info, $"command '{command.Name}' received; not acted on by this agent version",
                    new Dictionary<string, string>(StringComparer.Ordinal) { ["id"] = command.Id, ["name"] = command.Name });
            }
        }
        catch (InvalidProtocolBufferException ex)
        {
            Log.MessageIgnored(_logger, topic, ex.Message);
            _events.Report("message_invalid", EventReporter.Warning, $"message on {topic} is not valid: {ex.Message}");
        }
        return Task.CompletedTask;
    }

    private async Task GoOfflineAsync(IMqttClient client)
    {
        if (!client.IsConnected)
        {
            return;
        }
        // A clean disconnect suppresses the will, so say "offline" ourselves first.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await PublishAsync(client, SyncTopics.Status, Status(online: false, reason: "shutdown").ToByteArray(), retain: true, timeout.Token).ConfigureAwait(false);
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token).ConfigureAwait(false);
            Log.WentOffline(_logger, _outbox.TotalDepth);
        }
        catch (Exception e) when (e is OperationCanceledException or UplinkException or MqttCommunicationException)
        {
            // The broker is gone; the will reports the device offline instead.
        }
        _state.SetConnected(false);
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
