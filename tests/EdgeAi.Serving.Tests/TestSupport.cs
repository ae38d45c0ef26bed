using EdgeAi.Common.Inference;
using EdgeAi.Serving.Runtime;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeAi.Serving.Tests;

/// <summary>A scratch directory removed when the test ends.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("edgeai-test-").FullName;

    public string Write(string name, byte[] bytes)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllBytes(file, bytes);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

internal static class Hosts
{
    public static ModelHostOptions CpuOptions(params string[] providers)
    {
        var options = new ModelHostOptions { IntraOpThreads = 1, InterOpThreads = 1 };
        foreach (var p in providers)
        {
            options.ExecutionProviders.Add(p);
        }
        return options;
    }

    public static SessionFactory Sessions(ModelHostOptions options) =>
        new(Options.Create(options), NullLogger<SessionFactory>.Instance);

    public static ModelHost Create(ModelHostOptions? options = null)
    {
        options ??= CpuOptions("CPU");
        return new ModelHost(Sessions(options), Options.Create(options), NullLogger<ModelHost>.Instance);
    }
}

internal static class Requests
{
    public static ModelInferRequest Raw(string model, string input, string datatype, long[] shape, byte[] raw)
    {
        var request = new ModelInferRequest { ModelName = model };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = input, Datatype = datatype };
        tensor.Shape.AddRange(shape);
        request.Inputs.Add(tensor);
        request.RawInputContents.Add(ByteString.CopyFrom(raw));
        return request;
    }

    public static ModelInferRequest Fp32(string model, long[] shape, params float[] values) =>
        Raw(model, "input", "FP32", shape, RawTensor.FromDoubles(TensorDatatype.Fp32, [.. values.Select(v => (double)v)]));

    public static ModelInferRequest Typed(string model, string input, string datatype, long[] shape, InferTensorContents contents)
    {
        var request = new ModelInferRequest { ModelName = model };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = input, Datatype = datatype, Contents = contents };
        tensor.Shape.AddRange(shape);
        request.Inputs.Add(tensor);
        return request;
    }
}
