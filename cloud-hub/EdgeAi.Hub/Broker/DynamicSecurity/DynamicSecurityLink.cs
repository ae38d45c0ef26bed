using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Threading.Channels;
using EdgeAi.Serving.Hosting;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace EdgeAi.Hub.Broker.DynamicSecurity;

/// <summary>
/// The hub's connection to Mosquitto's dynamic security plugin: a connection of its own (client id
/// ClientId + "-dynsec", clean start), apart from the ingest one, so an account change never waits
/// behind a backlog of device messages being stored. Commands go out as one JSON message per batch,
/// tagged with correlation data the plugin echoes; its replies come at QoS 0 on the response topic.
/// Each (re)connect is announced on <see cref="Connections"/>, so the reconciler runs again after the
/// link comes back.
/// </summary>
internal sealed class DynamicSecurityLink(IOptions<MqttOptions> options, LoopSupervisor supervisor, TimeProvider time, ILogger<DynamicSecurityLink> logger)
    : BackgroundService, IDynsecChannel
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<IReadOnlyList<DynsecResponse>>> _pending = new(StringComparer.Ordinal);
    private readonly Channel<bool> _connections = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
    private readonly SemaphoreSlim _disconnected = new(0, 1);
    private volatile IMqttClient? _client;

    /// <summary>One item per successful (re)connect: the reconciler's cue.</summary>
    public ChannelReader<bool> Connections => _connections.Reader;

    public bool IsConnected => _client is { IsConnected: true };

    /// <summary>Runs the commands in order, in one message; the responses, one per command, in the same order.</summary>
    public async Task<IReadOnlyList<DynsecResponse>> SendAsync(IReadOnlyList<DynsecCommand> commands, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var mqtt = options.Value;
        if (_client is not { IsConnected: true } client)
        {
            throw new BrokerAccountsException($"the hub is not connected to the external broker {mqtt.ExternalBroker} (dynamic security)");
        }
        var batch = Guid.NewGuid().ToString("N");
        var answer = new TaskCompletionSource<IReadOnlyList<DynsecResponse>>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[batch] = answer;
        var timeout = mqtt.DynamicSecurity.CommandTimeout;
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(DynsecCommand.ControlTopic)
                .WithPayload(DynsecCommand.Serialize(commands, batch))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            var published = await client.PublishAsync(message, linked.Token).ConfigureAwait(false);
            if (!published.IsSuccess)
            {
                throw new BrokerAccountsException(
                    $"the external broker refused the hub's dynamic-security command ({published.ReasonCode}): the hub's MQTT user needs the plugin's admin role");
            }
            var responses = await answer.Task.WaitAsync(linked.Token).ConfigureAwait(false);
            if (responses.Count != commands.Count)
            {
                throw new BrokerAccountsException($"the dynamic security plugin answered {responses.Count} of {commands.Count} commands");
            }
            return responses;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new BrokerAccountsException($"the external broker's dynamic security plugin did not answer within {timeout} (Hub:Mqtt:DynamicSecurity:CommandTimeout): is the plugin loaded?");
        }
        catch (Exception e) when (e is MqttCommunicationException or InvalidOperationException)
        {
            throw new BrokerAccountsException($"lost the external broker while changing its accounts: {e.Message}", e);
        }
        finally
        {
            _pending.TryRemove(batch, out _);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => supervisor.RunAsync("dynamic-security", RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var mqtt = options.Value;
        var broker = mqtt.ExternalBrokerUri!;
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
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
                    _client = null;
                    var failure = await ConnectAsync(client, clientOptions, stoppingToken).ConfigureAwait(false);
                    if (failure is not null)
                    {
                        var wait = delay * (0.8 + (0.4 * Random.Shared.NextDouble()));
                        Log.LinkFailed(logger, broker, failure, wait);
                        await Task.Delay(wait, time, stoppingToken).ConfigureAwait(false);
                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, mqtt.MaxReconnectDelay.Ticks));
                        continue;
                    }
                    delay = mqtt.ReconnectDelay;
                    _client = client;
                    Log.LinkConnected(logger, broker, clientOptions.ClientId);
                    _connections.Writer.TryWrite(true);
                }
                await _disconnected.WaitAsync(mqtt.HealthCheckInterval, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _client = null;
        }
        if (client.IsConnected)
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Connects and subscribes to the plugin's replies; returns why it failed, or null.</summary>
    private static async Task<string?> ConnectAsync(IMqttClient client, MqttClientOptions clientOptions, CancellationToken cancellationToken)
    {
        try
        {
            if (client.IsConnected)
            {
                // A ping went unanswered on a connection the client still counts as up: drop it, or ConnectAsync refuses.
                await client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken).ConfigureAwait(false);
            }
            var result = await client.ConnectAsync(clientOptions, cancellationToken).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return $"{result.ResultCode} {result.ReasonString}".Trim();
            }
            // The plugin answers at QoS 0 (measured on 2.0.11): nothing is queued for a link that was away.
            var subscribed = await client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(DynsecCommand.ResponseTopic, MqttQualityOfServiceLevel.AtMostOnce).Build(),
                cancellationToken).ConfigureAwait(false);
            if (subscribed.Items.FirstOrDefault() is { ResultCode: > MqttClientSubscribeResultCode.GrantedQoS2 } refused)
            {
                await client.DisconnectAsync(new MqttClientDisconnectOptions(), cancellationToken).ConfigureAwait(false);
                return $"subscription to {DynsecCommand.ResponseTopic} refused ({refused.ResultCode}): the hub's MQTT user needs the plugin's admin role";
            }
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Whatever failed (also when a stop raced it: the loop then ends on its token), it is a failed attempt.
            return e.Message;
        }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        IReadOnlyList<DynsecResponse> responses;
        try
        {
            responses = DynsecReply.Parse(e.ApplicationMessage.Payload);
        }
        catch (Exception error) when (error is JsonException or FormatException)
        {
            Log.ReplyUnreadable(logger, error.Message);
            return Task.CompletedTask;
        }
        // Every command of a batch carries "batch:index"; replies to other admins' commands carry none of ours.
        var correlation = responses.Count > 0 ? responses[0].CorrelationData : null;
        var colon = correlation?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (colon > 0 && _pending.TryRemove(correlation![..colon], out var answer))
        {
            answer.TrySetResult(responses);
        }
        return Task.CompletedTask;
    }

    private static MqttClientOptions ClientOptions(MqttOptions mqtt, Uri broker)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithClientId(mqtt.ClientId + "-dynsec")
            .WithCleanStart(true)
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (!string.IsNullOrEmpty(mqtt.ExternalUsername))
        {
            builder.WithCredentials(mqtt.ExternalUsername, mqtt.ExternalPassword);
        }
        if (broker.Scheme == "mqtts")
        {
            // As the ingest connection: the system trust store, no online revocation check.
            builder.WithTlsOptions(tls => tls.UseTls().WithRevocationMode(X509RevocationMode.NoCheck));
        }
        return builder.Build();
    }

    public override void Dispose()
    {
        _disconnected.Dispose();
        base.Dispose();
    }
}
