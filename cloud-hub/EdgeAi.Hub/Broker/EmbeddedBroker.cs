using System.Net;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Ingest;
using EdgeAi.Hub.Security;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace EdgeAi.Hub.Broker;

/// <summary>
/// The embedded MQTT broker: devices log in with their id and key, may touch only their own topics,
/// and their stream batches are stored before the broker acknowledges them, so a PUBACK means stored.
/// It opens its ports only once the store exists and the device credentials are loaded (awaited, so
/// no registration order is needed); ingest needs no wait: the writer queues what arrives before its
/// loop runs.
/// </summary>
internal sealed class EmbeddedBroker(
    IOptions<MqttOptions> mqttOptions,
    IOptions<HubOptions> hubOptions,
    HubEndpoints endpoints,
    DeviceCredentials credentials,
    MessageIngest ingest,
    IDbContextFactory<HubDbContext> store,
    StoreInitializer schema,
    DeviceCredentialsLoader credentialsLoader,
    MqttRefusals refusals,
    TimeProvider time,
    ILogger<EmbeddedBroker> logger) : IHostedService, IDeviceBroker, IAsyncDisposable
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private MqttServer? _server;
    private BrokerListener? _listener;

    public Task Ready => _ready.Task;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ListenAsync(cancellationToken).ConfigureAwait(false);
            _ready.TrySetResult();
        }
        catch (Exception e)
        {
            _ready.TrySetException(e);
            throw;
        }
    }

    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        var mqtt = mqttOptions.Value;
        var hub = hubOptions.Value;
        await schema.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        // A device connecting before its key is known would be refused.
        await credentialsLoader.EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        await ForgetPresenceAsync(cancellationToken).ConfigureAwait(false);
        var address = IPAddress.Parse(hub.ListenAddress);
        var tlsPort = mqtt.TlsPort;
        if (tlsPort != MqttOptions.Disabled && hub.AllowInsecureHttp)
        {
            Log.NoTlsCertificate(logger);
            tlsPort = MqttOptions.Disabled;
        }
        // Exactly the configured address, like Kestrel; port 0 is the OS's pick, read back once bound.
        var plain = mqtt.Port == MqttOptions.Disabled ? null : new BrokerEndpoint(address, mqtt.Port, null);
        var tls = tlsPort == MqttOptions.Disabled ? null : new BrokerEndpoint(address, tlsPort, endpoints.LoadCertificate(hub, time));
        var listener = new BrokerListener([.. new[] { plain, tls }.OfType<BrokerEndpoint>()], mqtt.MaxPacketBytes, PacketRefused);
        var server = CreateServer(listener, mqtt.MaxPacketBytes);
        // Before the first connection can arrive, so every logged-in device is named to its guard.
        _listener = listener;
        try
        {
            // A failed bind throws here and stops the hub, instead of a broker silently missing.
            await server.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            _listener = null;
            server.Dispose();
            throw;
        }
        _server = server;
        endpoints.MqttPort = plain?.BoundPort ?? MqttOptions.Disabled;
        endpoints.MqttTlsPort = tls?.BoundPort ?? MqttOptions.Disabled;
        Log.BrokerListening(logger, address.ToString(), endpoints.MqttPort, endpoints.MqttTlsPort);
    }

    /// <summary>
    /// This broker starts with no client and no retained message, so whatever the store says is online
    /// is a leftover of the last run (a crash writes no will): mark it offline until the device reconnects.
    /// </summary>
    private async Task ForgetPresenceAsync(CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var forgotten = await DevicePresence.ForgetOnlineAsync(db, cancellationToken).ConfigureAwait(false);
            if (forgotten > 0)
            {
                Log.PresenceForgotten(logger, forgotten);
            }
        }
    }

    private MqttServer CreateServer(BrokerListener listener, int maxPacketBytes)
    {
        var options = new MqttServerFactory().CreateServerOptionsBuilder().WithoutDefaultEndpoint().Build();
        var server = new MqttServerFactory().CreateMqttServer(options, [listener]);
        server.ValidatingConnectionAsync += ValidateConnectionAsync;
        server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        server.InterceptingPublishAsync += InterceptPublishAsync;
        server.InterceptingOutboundPacketAsync += e =>
        {
            // MQTTnet's CONNACK says "no limit"; MQTT 5 clients learn the real one here (v3.1.1 has no such field).
            if (e.Packet is MqttConnAckPacket connAck)
            {
                connAck.MaximumPacketSize = (uint)maxPacketBytes;
            }
            return Task.CompletedTask;
        };
        return server;
    }

    private void PacketRefused(PacketSizeGuard connection, long bytes) =>
        refusals.PacketRefused(connection.DeviceId, connection.RemoteEndPoint?.ToString() ?? "?", bytes, connection.MaxPacketBytes);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server)
        {
            _server = null;
            _listener = null;
            await server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
            server.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    /// <summary>Drops a revoked device: its live connection (if any) and its stored session, so nothing is queued for it.</summary>
    public async Task<bool> DisconnectAsync(string deviceId, string reason)
    {
        if (_server is not { } server)
        {
            return false;
        }
        var connected = false;
        foreach (var client in await server.GetClientsAsync().ConfigureAwait(false))
        {
            if (string.Equals(client.Id, deviceId, StringComparison.Ordinal))
            {
                await client.DisconnectAsync(new MqttServerClientDisconnectOptions { ReasonCode = MqttDisconnectReasonCode.NotAuthorized, ReasonString = reason })
                    .ConfigureAwait(false);
                connected = true;
            }
        }
        foreach (var session in await server.GetSessionsAsync().ConfigureAwait(false))
        {
            if (string.Equals(session.Id, deviceId, StringComparison.Ordinal))
            {
                await session.DeleteAsync().ConfigureAwait(false);
            }
        }
        return connected;
    }

    /// <summary>Publishes as the hub itself (empty sender client id: no device ACL applies); false while the broker is not running.</summary>
    public async Task<bool> PublishAsync(MQTTnet.MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        if (_server is not { IsStarted: true } server)
        {
            return false;
        }
        await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = string.Empty }, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private Task ValidateConnectionAsync(ValidatingConnectionEventArgs e)
    {
        if (string.IsNullOrEmpty(e.UserName) || !credentials.IsKeyOf(e.UserName, e.Password))
        {
            return Refuse(e, MqttConnectReasonCode.BadUserNameOrPassword, "unknown device or wrong key (user name = device id, password = device key)");
        }
        if (credentials.IsRevoked(e.UserName))
        {
            return Refuse(e, MqttConnectReasonCode.Banned, $"device {e.UserName} was revoked");
        }
        if (!string.Equals(e.ClientId, e.UserName, StringComparison.Ordinal))
        {
            // Otherwise one device could take over (and read) another device's session.
            return Refuse(e, MqttConnectReasonCode.ClientIdentifierNotValid, "the client id must be the device id");
        }
        _listener?.Identify(e.ChannelAdapter, e.UserName);
        return Task.CompletedTask;
    }

    private Task Refuse(ValidatingConnectionEventArgs e, MqttConnectReasonCode code, string reason)
    {
        e.ReasonCode = code;
        e.ReasonString = reason;
        Log.ConnectionRefused(logger, e.RemoteEndPoint?.ToString() ?? "?", e.ClientId ?? "", e.UserName ?? "", reason);
        return Task.CompletedTask;
    }

    private Task InterceptSubscriptionAsync(InterceptingSubscriptionEventArgs e)
    {
        if (!DeviceAcl.CanSubscribe(e.ClientId, e.TopicFilter.Topic))
        {
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            Log.SubscribeRefused(logger, e.ClientId, e.TopicFilter.Topic);
        }
        return Task.CompletedTask;
    }

    private async Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        if (string.IsNullOrEmpty(e.ClientId))
        {
            // Injected by the hub itself (desired state, commands): not a device, no ACL.
            return;
        }
        if (credentials.IsRevoked(e.ClientId))
        {
            // Between revocation and the disconnect below, and for the dropped session's will.
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            return;
        }
        if (!DeviceAcl.CanPublish(e.ClientId, topic))
        {
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            Log.PublishRefused(logger, e.ClientId, topic);
            return;
        }
        // Wills arrive here too (sender = the lost client), so presence follows a dropped connection.
        var leaf = topic[(topic.LastIndexOf('/') + 1)..];
        var outcome = await ingest.IngestAsync(
            e.ClientId, leaf, e.ApplicationMessage.Payload, e.CancellationToken, trace: MqttTrace.Read(e.ApplicationMessage)).ConfigureAwait(false);
        // Streams stop here (nobody may subscribe to them); status goes on to be retained.
        e.ProcessPublish = leaf == SyncTopics.Status && outcome == IngestOutcome.Stored;
        e.Response.ReasonCode = outcome switch
        {
            IngestOutcome.Stored => MqttPubAckReasonCode.Success,
            IngestOutcome.Invalid => MqttPubAckReasonCode.PayloadFormatInvalid,
            _ => MqttPubAckReasonCode.ImplementationSpecificError,
        };
    }
}
