using EdgeAi.Common.Fleet;
using EdgeAi.Common.Security;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeAi.Agent.Enrollment;

/// <summary>
/// One enrollment: a gRPC call to the hub's Fleet.Enroll over a channel whose TLS certificate check
/// (pinned fingerprint, CA file, or the system store) runs before the token leaves the device.
/// </summary>
internal static class HubEnrollment
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static async Task<EnrollResponse> EnrollAsync(Uri hub, HubCertificateValidator trust, EnrollRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(trust);
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => trust.Validate(certificate, chain, errors);
        using var channel = GrpcChannel.ForAddress(hub, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        var client = new EdgeAi.Common.Fleet.Fleet.FleetClient(channel);
        return await client.EnrollAsync(request, deadline: DateTime.UtcNow + Deadline, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The broker the hub offers, at the hub's host: TLS when it has a TLS port, else plain; null when it offers none (external broker).</summary>
    public static string? BrokerUrl(Uri hub, EnrollResponse response)
    {
        ArgumentNullException.ThrowIfNull(hub);
        ArgumentNullException.ThrowIfNull(response);
        if (response.MqttTlsPort > 0)
        {
            return $"mqtts://{hub.Host}:{response.MqttTlsPort}";
        }
        return response.MqttPort > 0 ? $"mqtt://{hub.Host}:{response.MqttPort}" : null;
    }

    /// <summary>What a refusal means for the person at the device.</summary>
    public static string Explain(RpcException e, HubCertificateValidator trust)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(trust);
        if (e.StatusCode is StatusCode.Unavailable or StatusCode.Internal && trust.LastRefusal is { } refusal)
        {
            // The TLS handshake failed on our side: the hub is there, its certificate is not the one trusted.
            return $"the hub answered, but its certificate was refused: {refusal} (check --fingerprint / --ca-cert against what 'cloud-hub tokens create' printed)";
        }
        return e.StatusCode switch
        {
            StatusCode.Unavailable or StatusCode.Internal when e.Status.DebugException is { } cause =>
                $"cannot reach the hub: {Innermost(cause).Message} (is the address right? if the certificate is not trusted, pass the --fingerprint that 'cloud-hub tokens create' printed, or --ca-cert)",
            StatusCode.Unavailable => $"cannot reach the hub: {e.Status.Detail}",
            StatusCode.DeadlineExceeded => $"the hub did not answer within {Deadline.TotalSeconds:0} s",
            StatusCode.Unimplemented => "the server at that address does not offer enrollment (is it an EdgeAi hub?)",
            _ => $"the hub refused: {e.Status.Detail} ({e.StatusCode})",
        };
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner)
        {
            e = inner;
        }
        return e;
    }
}
