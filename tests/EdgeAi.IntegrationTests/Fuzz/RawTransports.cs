using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace EdgeAi.IntegrationTests.Fuzz;

/// <summary>What a gRPC server answered to a raw call: the HTTP status and the gRPC status and message (null status: none sent).</summary>
internal sealed record GrpcAnswer(int HttpStatus, int? Status, string Message)
{
    public override string ToString() => $"HTTP {HttpStatus}, grpc-status {Status?.ToString(CultureInfo.InvariantCulture) ?? "none"}: {Message}";
}

/// <summary>
/// gRPC calls with bodies written byte by byte (framing and protobuf included), over HTTP/2 —
/// h2c or TLS — so a fuzzer can send what no generated client would.
/// </summary>
internal sealed class RawGrpc : IDisposable
{
    private readonly HttpClient _http;
    private readonly string? _bearer;

    public RawGrpc(Uri baseUri, string? bearer = null, string? fingerprint = null)
    {
        var handler = fingerprint is null ? new SocketsHttpHandler() : HubTrust.PinnedHandler(fingerprint);
        _http = new HttpClient(handler)
        {
            BaseAddress = baseUri,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
        _bearer = bearer;
    }

    public async Task<GrpcAnswer> CallAsync(string method, GrpcBody body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(method, UriKind.Relative))
        {
            Content = new ByteArrayContent(body.Bytes),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.ParseAdd("trailers");
        if (body.Encoding is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-encoding", body.Encoding);
        }
        if (body.Timeout is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", body.Timeout);
        }
        if (_bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _bearer);
        }
        using var response = await _http.SendAsync(request, cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var status = Value(response.TrailingHeaders, "grpc-status") ?? Value(response.Headers, "grpc-status");
        var message = Value(response.TrailingHeaders, "grpc-message") ?? Value(response.Headers, "grpc-message") ?? "";
        return new GrpcAnswer(
            (int)response.StatusCode,
            int.TryParse(status, NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) ? code : null,
            Uri.UnescapeDataString(message));
    }

    private static string? Value(HttpHeaders headers, string name) => headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    public void Dispose() => _http.Dispose();
}

/// <summary>
/// One HTTP/1.1 request per connection, written as raw bytes over a socket (TLS when a fingerprint is
/// given), for framing HttpClient refuses to produce: bad chunk sizes, lying Content-Length.
/// </summary>
internal static class RawHttp
{
    /// <summary>
    /// The response's status code, or null when the server closed the connection without answering. With
    /// <paramref name="shut"/> the sending side is shut once the request is written, so a request that claims
    /// more body than it has ends there instead of waiting for the server's timeout (Kestrel then closes
    /// without answering: a client that shuts its side is taken as gone).
    /// </summary>
    public static async Task<(int? Status, string Head)> SendAsync(Uri server, byte[] request, string? fingerprint, bool shut, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, timeout.Token);
        Stream stream = tcp.GetStream();
        if (fingerprint is not null)
        {
            var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, certificate, _, _) => HubTrust.Matches(certificate, fingerprint));
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = server.Host,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
            }, timeout.Token);
            stream = tls;
        }
        await using (stream)
        {
            try
            {
                await stream.WriteAsync(request, timeout.Token);
                await stream.FlushAsync(timeout.Token);
                if (shut)
                {
                    if (stream is SslStream tls)
                    {
                        await tls.ShutdownAsync();
                    }
                    tcp.Client.Shutdown(SocketShutdown.Send);
                }
            }
            catch (IOException)
            {
                // The server may answer and close before it has read everything sent; read what it said.
            }
            var head = new StringBuilder();
            var buffer = new byte[4096];
            while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                int read;
                try
                {
                    read = await stream.ReadAsync(buffer, timeout.Token);
                }
                catch (IOException)
                {
                    break;
                }
                if (read == 0)
                {
                    break;
                }
                head.Append(Encoding.Latin1.GetString(buffer, 0, read));
            }
            var text = head.ToString();
            var parts = text.Split(' ', 3);
            return text.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var status)
                ? (status, text.Split("\r\n")[0])
                : (null, text.Length > 200 ? text[..200] : text);
        }
    }

    public static byte[] Request(string method, string path, string host, IEnumerable<string> headers, byte[] body)
    {
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        foreach (var header in headers)
        {
            head.Append(header).Append("\r\n");
        }
        head.Append("\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. body];
    }
}
