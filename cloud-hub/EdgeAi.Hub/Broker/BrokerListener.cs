using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace EdgeAi.Hub.Broker;

/// <summary>One listening socket of the embedded broker: plain, or TLS with the hub certificate.</summary>
internal sealed record BrokerEndpoint(IPAddress Address, int Port, X509Certificate2? Certificate)
{
    /// <summary>The port really bound (the OS's pick for port 0); set once the listener started.</summary>
    public int BoundPort { get; set; }
}

/// <summary>
/// The embedded broker's TCP (and TLS) listeners, in place of MQTTnet's own: the same sockets and
/// handshake, but every connection reads through a <see cref="PacketSizeGuard"/>, which MQTTnet's
/// listener has no place for. Binding here also reports the port really bound, so port 0 needs no
/// guess-and-retry.
/// </summary>
internal sealed class BrokerListener(IReadOnlyList<BrokerEndpoint> endpoints, int maxPacketBytes, Action<PacketSizeGuard, long> refused) : IMqttServerAdapter
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly List<TcpListener> _listeners = [];
    private readonly ConditionalWeakTable<IMqttChannelAdapter, PacketSizeGuard> _guards = [];
    private CancellationTokenSource? _stopping;

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _stopping = new CancellationTokenSource();
        try
        {
            foreach (var endpoint in endpoints)
            {
                var listener = new TcpListener(endpoint.Address, endpoint.Port);
                // Throws when the port is taken: the hub stops with the reason instead of running without a broker.
                listener.Start();
                _listeners.Add(listener);
                endpoint.BoundPort = ((IPEndPoint)listener.LocalEndpoint).Port;
                _ = AcceptAsync(listener, endpoint, options, logger, _stopping.Token);
            }
        }
        catch
        {
            Stop();
            throw;
        }
        return Task.CompletedTask;
    }

    public Task StopAsync()
    {
        Stop();
        return Task.CompletedTask;
    }

    public void Dispose() => Stop();

    /// <summary>Names the device a connection logged in as, so a refusal on it is counted against that device.</summary>
    public void Identify(IMqttChannelAdapter adapter, string deviceId)
    {
        if (_guards.TryGetValue(adapter, out var guard))
        {
            guard.DeviceId = deviceId;
        }
    }

    private void Stop()
    {
        _stopping?.Cancel();
        foreach (var listener in _listeners)
        {
            listener.Stop();
        }
        _listeners.Clear();
        _stopping?.Dispose();
        _stopping = null;
    }

    private async Task AcceptAsync(TcpListener listener, BrokerEndpoint endpoint, MqttServerOptions options, IMqttNetLogger logger, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }
                // A connection that failed while being accepted (reset by the peer): take the next one.
                continue;
            }
            _ = Task.Run(() => ServeAsync(socket, endpoint, options, logger, stopping), CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket socket, BrokerEndpoint endpoint, MqttServerOptions options, IMqttNetLogger logger, CancellationToken stopping)
    {
        socket.NoDelay = true;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (endpoint.Certificate is { } certificate)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                handshake.CancelAfter(HandshakeTimeout);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    ClientCertificateRequired = false,
                    EnabledSslProtocols = SslProtocols.None,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    EncryptionPolicy = EncryptionPolicy.RequireEncryption,
                }, handshake.Token).ConfigureAwait(false);
            }
            if (ClientHandler is not { } handler)
            {
                return;
            }
            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
            var guard = new PacketSizeGuard(new MqttTcpChannel(stream, socket.LocalEndPoint, socket.RemoteEndPoint, null), maxPacketBytes, formatter, refused);
            // Whole packets per write, so the guard's DISCONNECT can never land between a packet's header and its payload.
            using var adapter = new MqttChannelAdapter(guard, formatter, logger) { AllowPacketFragmentation = false };
            _guards.Add(adapter, guard);
            await handler(adapter).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
        {
            // A client that failed its TLS handshake or vanished: nothing to serve.
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }
}
