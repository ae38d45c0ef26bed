using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeAi.Hub.Hosting;

/// <summary>The hub's listener and certificate; after start the endpoint holds the port really bound.</summary>
internal sealed class HubEndpoints
{
    public ListenOptions? Listener { get; set; }

    public X509Certificate2? Certificate { get; set; }

    public bool Tls => Certificate is not null;

    public Uri Uri
    {
        get
        {
            var endpoint = Listener?.IPEndPoint ?? throw new InvalidOperationException("the hub is not listening yet");
            var host = endpoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : endpoint.Address;
            return new Uri($"{(Tls ? "https" : "http")}://{host}:{endpoint.Port}");
        }
    }
}
