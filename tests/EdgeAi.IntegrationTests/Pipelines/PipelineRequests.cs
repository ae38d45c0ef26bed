using System.Text.Json;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using Google.Protobuf;

namespace EdgeAi.IntegrationTests.Pipelines;

/// <summary>Pipeline requests over both protocols, the colour pipeline's settings, and its answers computed without the pipeline.</summary>
internal static class PipelineRequests
{
    public const int Size = 32;

    public static readonly string[] ColourLabels = ["red", "green", "blue"];

    /// <summary>A pipeline <paramref name="name"/> over the channel classifier: 32 × 32, pixels / 255, NCHW FP32, labels red/green/blue.</summary>
    public static Dictionary<string, string?> ColourPipeline(string name, string labelsFile, string model = "channels") => new(StringComparer.OrdinalIgnoreCase)
    {
        [$"Pipelines:{name}:Model"] = model,
        [$"Pipelines:{name}:Resize:Width"] = $"{Size}",
        [$"Pipelines:{name}:Resize:Height"] = $"{Size}",
        [$"Pipelines:{name}:Normalize:Scale"] = "0.003921568627451",
        [$"Pipelines:{name}:Post:TopK"] = "3",
        [$"Pipelines:{name}:Post:LabelsFile"] = labelsFile,
    };

    public static byte[] ChannelModel() => SampleModels.ChannelClassifier(Size);

    /// <summary>One image as raw contents: a BYTES element (4-byte length, then the bytes).</summary>
    public static ModelInferRequest Image(string pipeline, byte[] image) => Elements(pipeline, [image]);

    public static ModelInferRequest Elements(string pipeline, IReadOnlyList<byte[]> images, string datatype = "BYTES")
    {
        var request = new ModelInferRequest { ModelName = pipeline };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "image", Datatype = datatype };
        input.Shape.Add(images.Count);
        request.Inputs.Add(input);
        request.RawInputContents.Add(ByteString.CopyFrom([.. images.SelectMany(i => BitConverter.GetBytes(i.Length).Concat(i))]));
        return request;
    }

    /// <summary>The REST body: JSON strings cannot carry binary, so the image goes base64-encoded.</summary>
    public static string Json(byte[] image) =>
        $$"""{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":["{{Convert.ToBase64String(image)}}"]}]}""";

    public static (string[] Labels, float[] Scores, long[] Indices) Classes(ModelInferResponse response)
    {
        int Index(string name) => response.Outputs.Select(o => o.Name).ToList().IndexOf(name);
        return (
            [.. RawTensor.ToStrings(response.RawOutputContents[Index("labels")].Span)],
            [.. RawTensor.ToDoubles(TensorDatatype.Fp32, response.RawOutputContents[Index("scores")].Span).Select(d => (float)d)],
            [.. RawTensor.ToDoubles(TensorDatatype.Int64, response.RawOutputContents[Index("indices")].Span).Select(d => (long)d)]);
    }

    public static (string[] Labels, float[] Scores, long[] Indices) Classes(JsonDocument body)
    {
        JsonElement Output(string name) => body.RootElement.GetProperty("outputs").EnumerateArray().Single(o => o.GetProperty("name").GetString() == name).GetProperty("data");
        return (
            [.. Output("labels").EnumerateArray().Select(e => e.GetString()!)],
            [.. Output("scores").EnumerateArray().Select(e => e.GetSingle())],
            [.. Output("indices").EnumerateArray().Select(e => e.GetInt64())]);
    }

    /// <summary>What the colour pipeline should answer for a photo, computed without it (<see cref="ChannelAnswers"/>).</summary>
    public static (string[] Labels, float[] Scores) Expected(byte[] photo) => ChannelAnswers.Expected(photo, ColourLabels);
}
