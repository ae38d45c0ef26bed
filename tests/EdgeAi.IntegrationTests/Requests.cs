using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeAi.Common.Inference;
using Google.Protobuf;

namespace EdgeAi.IntegrationTests;

internal static class Requests
{
    public static ModelInferRequest Fp32(string model, long[] shape, IReadOnlyList<float> values, string input = "input")
    {
        var request = new ModelInferRequest { ModelName = model };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = input, Datatype = "FP32" };
        tensor.Shape.AddRange(shape);
        request.Inputs.Add(tensor);
        request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(RawTensor.FromDoubles(TensorDatatype.Fp32, [.. values.Select(v => (double)v)])));
        return request;
    }

    public static float[] Fp32Values(ReadOnlySpan<byte> raw) =>
        [.. RawTensor.ToDoubles(TensorDatatype.Fp32, raw).Select(v => (float)v)];

    public static float[] Fp32Output(ModelInferResponse response, int index = 0) =>
        [.. RawTensor.ToDoubles(TensorDatatype.Fp32, response.RawOutputContents[index].Span).Select(v => (float)v)];

    public static string Json(string input, string datatype, long[] shape, IEnumerable<float> data) =>
        $$"""{"inputs":[{"name":"{{input}}","datatype":"{{datatype}}","shape":[{{string.Join(",", shape)}}],"data":[{{string.Join(",", data.Select(v => v.ToString(CultureInfo.InvariantCulture)))}}]}]}""";

    public static async Task<(HttpResponseMessage Response, JsonDocument Body)> PostAsync(HttpClient http, string path, string json, CancellationToken cancellationToken)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        var response = await http.PostAsync(new Uri(path, UriKind.Relative), content, cancellationToken);
        var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), default, cancellationToken);
        return (response, body);
    }

    public static async Task<(HttpResponseMessage Response, JsonDocument Body)> GetAsync(HttpClient http, string path, CancellationToken cancellationToken)
    {
        var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonDocument>(cancellationToken) ?? throw new InvalidOperationException("empty body");
        return (response, body);
    }

    public static float[] Data(JsonDocument body, int output = 0) =>
        [.. body.RootElement.GetProperty("outputs")[output].GetProperty("data").EnumerateArray().Select(e => e.GetSingle())];
}
