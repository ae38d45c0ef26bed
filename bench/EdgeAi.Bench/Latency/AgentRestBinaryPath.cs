using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace EdgeAi.Bench.Latency;

/// <summary>
/// (f) The agent over REST with Triton's binary tensor data: the JSON header then the input's raw bytes, the
/// output asked back binary; one HttpClient, the body built once, the response read whole and split at
/// Inference-Header-Content-Length.
/// </summary>
internal sealed class AgentRestBinaryPath : ILatencyPath
{
    private const string HeaderLength = "Inference-Header-Content-Length";

    private readonly HttpClient _http;
    private readonly byte[] _body;
    private readonly string _headerLength;

    public AgentRestBinaryPath(InProcessAgent agent, ResNet18 model)
    {
        _http = new HttpClient { BaseAddress = agent.HttpUri, Timeout = TimeSpan.FromMinutes(1) };
        var header = Encoding.UTF8.GetBytes(
            $$$"""{"inputs":[{"name":"{{{ResNet18.InputName}}}","shape":[{{{string.Join(",", ResNet18.Shape)}}}],"datatype":"FP32","parameters":{"binary_data_size":{{{model.InputBytes.Length}}}}}],"parameters":{"binary_data_output":true}}""");
        _body = [.. header, .. model.InputBytes];
        _headerLength = header.Length.ToString(CultureInfo.InvariantCulture);
    }

    public string Label => "(f) agent over REST, binary data";

    public async ValueTask InferOnceAsync(CancellationToken cancellationToken) =>
        _ = await PostAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask<float[]> InferAndReadAsync(CancellationToken cancellationToken)
    {
        var (body, jsonLength) = await PostAsync(cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(body.AsMemory(0, jsonLength));
        var size = document.RootElement.GetProperty("outputs")[0].GetProperty("parameters").GetProperty("binary_data_size").GetInt32();
        return body.Length - jsonLength == size
            ? MemoryMarshal.Cast<byte, float>(body.AsSpan(jsonLength)).ToArray()
            : throw new InvalidDataException($"binary response carries {body.Length - jsonLength} bytes after its JSON, binary_data_size says {size}");
    }

    private async Task<(byte[] Body, int JsonLength)> PostAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, AgentRestPath.InferPath) { Content = new ByteArrayContent(_body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.Add(HeaderLength, _headerLength);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"REST binary infer answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
        }
        var jsonLength = response.Headers.TryGetValues(HeaderLength, out var values)
            ? int.Parse(values.Single(), CultureInfo.InvariantCulture)
            : throw new InvalidDataException($"REST binary infer answered without {HeaderLength}");
        return (body, jsonLength);
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
