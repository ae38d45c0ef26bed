using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EdgeAi.Agent.Cloud;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Common.Security;

namespace EdgeAi.Agent.Diagnostics;

/// <summary>
/// The hub (Cloud:HubUrl) reached with the agent's own trust settings (the validator <see cref="HubChannel"/>
/// uses): whether TLS is accepted, how long the hub's certificate has left, and how far this clock is from
/// the hub's (its HTTP Date header). Three lines: reachable, certificate, clock.
/// </summary>
internal sealed class HubCheck(CloudOptions cloud, TimeProvider time) : IDiagnosticCheck
{
    public const string Id = "hub";
    public const string CertificateId = "hub-certificate";
    public const string ClockId = "clock-skew";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken)
    {
        if (!cloud.Enabled)
        {
            return [CheckResult.Warn(Id, "not configured (no Cloud:HubUrl): no cloud fallback, no fleet", "edge-agent enroll --hub https://HUB:5001 --token TOKEN, or set Cloud:HubUrl")];
        }
        var hub = new Uri(cloud.HubUrl!);
        var validator = new HubCertificateValidator(cloud.CertificateFingerprint, cloud.CaCertificatePath, cloud.AllowUntrustedCertificate);
        X509Certificate2? seen = null;
        using var handler = new SocketsHttpHandler { ConnectTimeout = Timeout };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            seen ??= certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return validator.Validate(certificate, chain, errors);
        };
        using var client = new HttpClient(handler) { Timeout = Timeout };
        // The hub's port speaks HTTP/2 (gRPC); without TLS only by prior knowledge.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(hub, "/v2/health/live"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = hub.Scheme == Uri.UriSchemeHttps ? HttpVersionPolicy.RequestVersionOrLower : HttpVersionPolicy.RequestVersionExact,
        };
        try
        {
            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var results = new List<CheckResult> { CheckResult.Ok(Id, $"{hub} answered ({(int)response.StatusCode}{(hub.Scheme == Uri.UriSchemeHttps ? ", TLS accepted" : ", no TLS: development only")})") };
            if (seen is not null)
            {
                results.Add(CertificateExpiry.Evaluate(CertificateId, $"the hub's certificate ({seen.GetNameInfo(X509NameType.SimpleName, false)})",
                    seen.NotBefore.ToUniversalTime(), seen.NotAfter.ToUniversalTime(), now,
                    "renew it on the hub (cloud-hub check shows its certificate); a device that pins the fingerprint needs the new one (edge-agent enroll --force)"));
            }
            results.Add(CertificateExpiry.Skew(ClockId, response.Headers.Date, now));
            return results;
        }
        catch (HttpRequestException e) when (Refusal(e, validator) is { } refusal)
        {
            return [CheckResult.Fail(Id, $"{hub} refused by this device's trust settings: {refusal}",
                "trust the hub's certificate: Cloud:CertificateFingerprint or Cloud:CaCertificatePath (edge-agent enroll --force with the hub's new token)")];
        }
        catch (HttpRequestException e)
        {
            return [CheckResult.Fail(Id, $"{hub} cannot be reached: {Innermost(e)}", $"check that the hub runs and this device can reach {hub.Host}:{hub.Port} (Cloud:HubUrl)")];
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return [CheckResult.Fail(Id, $"{hub} did not answer within {Timeout.TotalSeconds:0} s", $"check the network path to {hub.Host}:{hub.Port} (Cloud:HubUrl)")];
        }
        finally
        {
            seen?.Dispose();
        }
    }

    private static string? Refusal(HttpRequestException e, HubCertificateValidator validator) =>
        e.InnerException is AuthenticationException authentication ? validator.LastRefusal ?? authentication.Message : null;

    private static string Innermost(Exception e)
    {
        while (e.InnerException is { } inner)
        {
            e = inner;
        }
        return e is SocketException socket ? $"{socket.SocketErrorCode}: {socket.Message}" : e.Message;
    }
}
