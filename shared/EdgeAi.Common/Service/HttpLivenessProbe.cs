using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace EdgeAi.Common.Service;

/// <summary>
/// Live when the process answers its own health endpoint: the listener accepts, the request pipeline runs and the
/// thread pool is not starved. A TLS endpoint must present <paramref name="certificate"/> (the process's own).
/// </summary>
public sealed class HttpLivenessProbe(Func<Uri> address, Version httpVersion, Func<X509Certificate2?>? certificate = null) : ILivenessProbe, IDisposable
{
    private readonly Lazy<HttpClient> _client = new(() => new HttpClient(new SocketsHttpHandler
    {
        UseProxy = false,
        SslOptions =
        {
            RemoteCertificateValidationCallback = (_, presented, _, _) =>
                presented is not null && certificate?.Invoke() is { } own && presented.GetCertHashString() == own.GetCertHashString(),
        },
    }));

    public async Task<string?> ProblemAsync(CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        var uri = new Uri(address(), "/healthz");
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri) { Version = httpVersion, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var response = await _client.Value.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK ? null : $"{uri} answered {(int)response.StatusCode}";
        }
        // Cancellation by the caller (its deadline) propagates: the watchdog reports it as "did not answer in time".
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return $"{uri}: {e.Message}";
        }
    }

    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }
    }
}
