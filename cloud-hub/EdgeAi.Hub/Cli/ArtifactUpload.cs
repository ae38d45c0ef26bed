using System.Net.Http.Headers;
using System.Text.Json;

namespace EdgeAi.Hub.Cli;

/// <summary>Streams an ONNX file (or bytes made in this process) to a registry route, with the upload progress line.</summary>
internal static class ArtifactUpload
{
    public static async Task<JsonElement> SendFileAsync(HttpClient client, FileInfo file, string path, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(error);
        var progress = new UploadProgress(file.Length, error, ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected, TimeProvider.System);
        try
        {
            return await SendAsync(client, new ProgressStream(file.OpenRead(), progress), file.Length, path, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            progress.Done();
        }
    }

    public static Task<JsonElement> SendBytesAsync(HttpClient client, byte[] bytes, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return SendAsync(client, new MemoryStream(bytes, writable: false), bytes.Length, path, cancellationToken);
    }

    public static Task<JsonElement> PutReportAsync(HttpClient client, string variantPath, string json, CancellationToken cancellationToken) =>
        ApiCalls.SendAsync(client, new HttpRequestMessage(HttpMethod.Put, new Uri(variantPath + "/report", UriKind.Relative)) { Content = ApiCalls.Json(json) },
            cancellationToken);

    private static async Task<JsonElement> SendAsync(HttpClient client, Stream body, long length, string path, CancellationToken cancellationToken)
    {
        var content = new StreamContent(body, 1 << 20);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = length;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = content };
        // The hub answers a taken version or a bad name before any byte is sent.
        request.Headers.ExpectContinue = true;
        return await ApiCalls.SendAsync(client, request, cancellationToken).ConfigureAwait(false);
    }
}
