using System.Net.Http.Headers;
using System.Text.Json;

namespace EdgeAi.Bench.Latency;

/// <summary>(d) The agent over REST/JSON on loopback: one HttpClient, the JSON body serialized once, the response read whole.</summary>
internal sealed class AgentRestPath : ILatencyPath
{
    private readonly HttpClient _http;
    private readonly byte[] _body;

    public AgentRestPath(InProcessAgent agent, ResNet18 model)
    {
        _http = new HttpClient { BaseAddress = agent.HttpUri, Timeout = TimeSpan.FromMinutes(1) };
        _body = model.JsonBody();
    }

    public string Label => "(d) agent over REST/JSON, loopback";

    public static Uri InferPath { get; } = new($"/v2/models/{ResNet18.ModelName}/infer", UriKind.Relative);

    public async ValueTask InferOnceAsync(CancellationToken cancellationToken) =>
        _ = await PostAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask<float[]> InferAndReadAsync(CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(await PostAsync(cancellationToken).ConfigureAwait(false));
        return [.. document.RootElement.GetProperty("outputs")[0].GetProperty("data").EnumerateArray().Select(e => e.GetSingle())];
    }

    private async Task<byte[]> PostAsync(CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(_body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.PostAsync(InferPath, content, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode
            ? body
            : throw new HttpRequestException($"REST infer answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
