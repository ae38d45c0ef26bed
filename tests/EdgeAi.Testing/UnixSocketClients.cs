using System.Net.Sockets;
using Grpc.Net.Client;

namespace EdgeAi.Testing;

/// <summary>Real clients that reach a server through a Unix domain socket: HttpClient for REST, a gRPC channel for gRPC.</summary>
internal static class UnixSocketClients
{
    /// <summary>The authority requests carry; the socket path, not this, decides where they go.</summary>
    public static readonly Uri Address = new("http://localhost");

    public static HttpClient Http(string socketPath) =>
        new(Handler(socketPath)) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };

    public static GrpcChannel Grpc(string socketPath) =>
        GrpcChannel.ForAddress(Address, new GrpcChannelOptions { HttpHandler = Handler(socketPath) });

    public static SocketsHttpHandler Handler(string socketPath) => new()
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
