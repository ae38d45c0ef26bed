using System.Buffers;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using EdgeAi.Common.Inference;
using Google.Protobuf;

namespace EdgeAi.Bench;

/// <summary>
/// The benchmark's model and its one input: ResNet18 from the NuGet package
/// Microsoft.ML.DnnImageFeaturizer.ResNet18, input <c>Input247</c> FP32 [1,3,224,224], filled once
/// with fixed pseudo-random values, in each form a path needs (array, raw protobuf, JSON body).
/// </summary>
internal sealed class ResNet18
{
    public const string ModelName = "resnet18";
    public const string InputName = "Input247";

    public static readonly long[] Shape = [1, 3, 224, 224];

    private ResNet18(string path, float[] input)
    {
        Path = path;
        Input = input;
        InputBytes = MemoryMarshal.AsBytes(input.AsSpan()).ToArray();
    }

    public string Path { get; }

    public float[] Input { get; }

    public byte[] InputBytes { get; }

    public static ResNet18 Load()
    {
        var path = Metadata("ResNet18Path");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"ResNet18.onnx not found at {path}; restore bench/EdgeAi.Bench (it comes with the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18)", path);
        }
        var random = new Random(42);
        var input = new float[Shape.Aggregate(1L, (a, d) => a * d)];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = random.NextSingle();
        }
        return new ResNet18(path, input);
    }

    public static string Metadata(string key) =>
        typeof(ResNet18).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"assembly metadata '{key}' is missing; see EdgeAi.Bench.csproj");

    /// <summary>An Open Inference Protocol request with the input as raw_input_contents (wrapped, not copied).</summary>
    public ModelInferRequest RawRequest()
    {
        var request = new ModelInferRequest { ModelName = ModelName };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = InputName, Datatype = "FP32" };
        tensor.Shape.AddRange(Shape);
        request.Inputs.Add(tensor);
        request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(InputBytes));
        return request;
    }

    /// <summary>The REST/JSON request body: one input, its 150,528 values as a flat array.</summary>
    public byte[] JsonBody()
    {
        var buffer = new ArrayBufferWriter<byte>(2 * 1024 * 1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("inputs");
            json.WriteStartObject();
            json.WriteString("name", InputName);
            json.WriteStartArray("shape");
            foreach (var d in Shape)
            {
                json.WriteNumberValue(d);
            }
            json.WriteEndArray();
            json.WriteString("datatype", "FP32");
            json.WriteStartArray("data");
            foreach (var v in Input)
            {
                json.WriteNumberValue(v);
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
