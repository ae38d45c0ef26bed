using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Cloud;

/// <summary>
/// The one gRPC channel to the hub (Cloud:HubUrl): its TLS trust (pinned fingerprint, CA file or the
/// system store) and the device's bearer key. Inference fallback and model downloads share it, so
/// both trust the hub the same way and reuse its connections.
/// </summary>
internal sealed class HubChannel : IDisposable
{
    public HubChannel(IOptions<CloudOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cloud = options.Value;
        if (!cloud.Enabled)
        {
            return;
        }
        var validator = new EdgeAi.Common.Security.HubCertificateValidator(cloud.CertificateFingerprint, cloud.CaCertificatePath, cloud.AllowUntrustedCertificate);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = cloud.AttemptTimeout,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            // A long model download must not hold up inference: it gets a connection of its own.
            EnableMultipleHttp2Connections = true,
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => validator.Validate(certificate, chain, errors);
        Channel = GrpcChannel.ForAddress(cloud.HubUrl!, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        if (!string.IsNullOrEmpty(cloud.DeviceKey))
        {
            Headers.Add("authorization", "Bearer " + cloud.DeviceKey);
        }
    }

    /// <summary>Null when no hub is configured.</summary>
    public GrpcChannel? Channel { get; }

    /// <summary>Call headers: the device's bearer key, when it has one.</summary>
    public Metadata Headers { get; } = [];

    public void Dispose() => Channel?.Dispose();
}
