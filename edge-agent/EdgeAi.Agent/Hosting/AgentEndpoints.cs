using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeAi.Agent.Hosting;

/// <summary>The agent's listeners; after start the TCP endpoints hold the ports really bound (port 0 included).</summary>
internal sealed class AgentEndpoints
{
    public ListenOptions? Http { get; set; }

    public ListenOptions? Grpc { get; set; }

    /// <summary>The Unix sockets' settings when the agent listens on them too; null when it does not.</summary>
    public UnixSocketOptions? UnixSockets { get; set; }

    public Uri HttpUri => ToUri(Http);

    public Uri GrpcUri => ToUri(Grpc);

    private static Uri ToUri(ListenOptions? listen)
    {
        var endpoint = listen?.IPEndPoint ?? throw new InvalidOperationException("the agent is not listening yet");
        var host = endpoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : endpoint.Address;
        return new Uri($"http://{host}:{endpoint.Port}");
    }
}
