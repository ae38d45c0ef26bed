using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace EdgeAi.IntegrationTests.Serving;

/// <summary>Builds and reads REST bodies in the binary tensor data framing, the way Triton's HTTP client does.</summary>
internal static class BinaryBodies
{
    public const string HeaderLength = "Inference-Header-Content-Length";

    /// <summary>The JSON request, then each tensor's bytes, with the header giving the JSON's length (or <paramref name="headerLength"/> as given, for malformed cases).</summary>
    public static HttpRequestMessage Request(string path, string json, IEnumerable<byte[]> tensors, string? headerLength = null)
    {
        var jsonBytes = Encoding.UTF8.GetBytes(json);
        var body = jsonBytes.Concat(tensors.SelectMany(t => t)).ToArray();
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = content };
        message.Headers.TryAddWithoutValidation(HeaderLength, headerLength ?? jsonBytes.Length.ToString(CultureInfo.InvariantCulture));
        return message;
    }

    public static async Task<BinaryAnswer> SendAsync(HttpClient http, HttpRequestMessage message, CancellationToken cancellationToken)
    {
        using (message)
        {
            var response = await http.SendAsync(message, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var jsonLength = response.Headers.TryGetValues(HeaderLength, out var values)
                ? int.Parse(values.Single(), CultureInfo.InvariantCulture)
                : body.Length;
            return new BinaryAnswer(response, JsonDocument.Parse(body.AsMemory(0, jsonLength)), body[jsonLength..]);
        }
    }

    public static Task<BinaryAnswer> PostAsync(HttpClient http, string path, string json, IEnumerable<byte[]> tensors, CancellationToken cancellationToken, string? headerLength = null) =>
        SendAsync(http, Request(path, json, tensors, headerLength), cancellationToken);

    /// <summary>An input whose bytes follow the JSON.</summary>
    public static string Input(string name, string datatype, long[] shape, long bytes) =>
        $$$"""{"name":"{{{name}}}","datatype":"{{{datatype}}}","shape":[{{{string.Join(",", shape)}}}],"parameters":{"binary_data_size":{{{bytes}}}}}""";
}

/// <summary>A response split at <c>Inference-Header-Content-Length</c> (all JSON when the header is absent).</summary>
internal sealed record BinaryAnswer(HttpResponseMessage Response, JsonDocument Json, byte[] Binary) : IDisposable
{
    public JsonElement Output(int index) => Json.RootElement.GetProperty("outputs")[index];

    public string Error => Json.RootElement.GetProperty("error").GetString()!;

    public void Dispose()
    {
        Json.Dispose();
        Response.Dispose();
    }
}
