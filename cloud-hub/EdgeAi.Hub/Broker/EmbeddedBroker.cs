using System.Net;
using System.Net.Sockets;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Ingest;
using EdgeAi.Hub.Security;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace EdgeAi.Hub.Broker;

/// <summary>
/// The embedded MQTT broker: devices log in with their id and key, may touch only their own topics,
/// and their stream batches are stored before the broker acknowledges them, so a PUBACK means stored.
/// </summary>
internal sealed class EmbeddedBroker(
    IOptions<MqttOptions> mqttOptions,
    IOptions<HubOptions> hubOptions,
    HubEndpoints endpoints,
    DeviceCredentials credentials,
    MessageIngest ingest,
    IDbContextFactory<HubDbContext> store,
    TimeProvider time,
    ILogger<EmbeddedBroker> logger) : IHostedService, IAsyncDisposable
{
    private MqttServer? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var mqtt = mqttOptions.Value;
        var hub = hubOptions.Value;
        await ForgetPresenceAsync(cancellationToken).ConfigureAwait(false);
        var address = IPAddress.Parse(hub.ListenAddress);
        for (var attempt = 1; ; attempt++)
        {
            var (port, tlsPort) = ResolvePorts(address, mqtt.Port, mqtt.TlsPort);
            if (tlsPort != MqttOptions.Disabled && hub.AllowInsecureHttp)
            {
                Log.NoTlsCertificate(logger);
                tlsPort = MqttOptions.Disabled;
            }
            var server = CreateServer(address, port, tlsPort, hub);
            try
            {
                // A failed bind throws here and stops the hub, instead of a broker silently missing.
                await server.StartAsync().ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && (mqtt.Port == 0 || mqtt.TlsPort == 0) && attempt < 5)
            {
                // A free port picked for "0" was taken by someone else before we bound it: pick again.
                server.Dispose();
                continue;
            }
            _server = server;
            endpoints.MqttPort = port;
            endpoints.MqttTlsPort = tlsPort;
            Log.BrokerListening(logger, address.ToString(), port, tlsPort);
            return;
        }
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

    private MqttServer CreateServer(IPAddress address, int port, int tlsPort, HubOptions hub)
    {
        var builder = new MqttServerFactory().CreateServerOptionsBuilder();
        if (port != MqttOptions.Disabled)
        {
            builder.WithDefaultEndpoint().WithDefaultEndpointPort(port);
            Bind(address, builder.WithDefaultEndpointBoundIPAddress, builder.WithDefaultEndpointBoundIPV6Address);
        }
        else
        {
            builder.WithoutDefaultEndpoint();
        }
        if (tlsPort != MqttOptions.Disabled)
        {
            builder.WithEncryptedEndpoint().WithEncryptedEndpointPort(tlsPort).WithEncryptionCertificate(endpoints.LoadCertificate(hub, time));
            Bind(address, builder.WithEncryptedEndpointBoundIPAddress, builder.WithEncryptedEndpointBoundIPV6Address);
        }
        var server = new MqttServerFactory().CreateMqttServer(builder.Build());
        server.ValidatingConnectionAsync += ValidateConnectionAsync;
        server.InterceptingSubscriptionAsync += InterceptSubscriptionAsync;
        server.InterceptingPublishAsync += InterceptPublishAsync;
        return server;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server)
        {
            _server = null;
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
    public async Task<bool> InjectAsync(MQTTnet.MqttApplicationMessage message, CancellationToken cancellationToken)
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
        var outcome = await ingest.IngestAsync(e.ClientId, leaf, e.ApplicationMessage.Payload, e.CancellationToken).ConfigureAwait(false);
        // Streams stop here (nobody may subscribe to them); status goes on to be retained.
        e.ProcessPublish = leaf == SyncTopics.Status && outcome == IngestOutcome.Stored;
        e.Response.ReasonCode = outcome switch
        {
            IngestOutcome.Stored => MqttPubAckReasonCode.Success,
            IngestOutcome.Invalid => MqttPubAckReasonCode.PayloadFormatInvalid,
            _ => MqttPubAckReasonCode.ImplementationSpecificError,
        };
    }

    private static void Bind(IPAddress address, Func<IPAddress, MqttServerOptionsBuilder> v4, Func<IPAddress, MqttServerOptionsBuilder> v6)
    {
        // Bind exactly the configured address, like Kestrel; MQTTnet would otherwise also open [::].
        var ipv6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        v4(ipv6 ? IPAddress.None : address);
        v6(ipv6 ? address : IPAddress.None);
    }

    /// <summary>
    /// MQTTnet does not report a port-0 binding, so port 0 takes a free port from the OS and hands it
    /// over; both probes are held together so the two ports differ.
    /// </summary>
    private static (int Port, int TlsPort) ResolvePorts(IPAddress address, int port, int tlsPort)
    {
        using var plain = new TcpListener(address, 0);
        using var tls = new TcpListener(address, 0);
        plain.Start();
        tls.Start();
        return (port == 0 ? ((IPEndPoint)plain.LocalEndpoint).Port : port, tlsPort == 0 ? ((IPEndPoint)tls.LocalEndpoint).Port : tlsPort);
    }
}
