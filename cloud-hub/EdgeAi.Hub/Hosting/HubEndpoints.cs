using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeAi.Hub.Hosting;

/// <summary>The hub's listeners and certificate; after start they hold the ports really bound.</summary>
internal sealed class HubEndpoints
{
    private readonly Lock _certificateLock = new();

    public ListenOptions? Listener { get; set; }

    public X509Certificate2? Certificate { get; private set; }

    /// <summary>The embedded MQTT broker's plain port; -1 when off or when an external broker is used.</summary>
    public int MqttPort { get; set; } = -1;

    /// <summary>The embedded MQTT broker's TLS port (hub certificate); -1 when off.</summary>
    public int MqttTlsPort { get; set; } = -1;

    /// <summary>Loads or creates the hub certificate once; Kestrel and the MQTT broker may ask in either order.</summary>
    public X509Certificate2 LoadCertificate(HubOptions hub, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(hub);
        lock (_certificateLock)
        {
            return Certificate ??= Security.HubCertificate.LoadOrCreate(hub.DataDirectory, hub.CertificatePath, hub.CertificatePassword, hub.PublicNames, time);
        }
    }

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
