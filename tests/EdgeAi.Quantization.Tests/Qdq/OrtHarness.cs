using EdgeAi.Common.Onnx;
using EdgeAi.Common.Onnx.Proto;
using EdgeAi.Quantization.Calibration;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAi.Quantization.Tests.Qdq;

/// <summary>Test-only ONNX Runtime helpers: run a model, gather MinMax ranges, and read back the graph ORT optimized.</summary>
internal static class OrtHarness
{
    /// <summary>Runs <paramref name="model"/> on one input and returns the named outputs (all outputs when none are named).</summary>
    public static Dictionary<string, float[]> Run(byte[] model, string input, float[] data, long[] shape, IReadOnlyList<string>? outputs = null)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        var names = outputs ?? [.. session.OutputNames];
        using var value = OrtValue.CreateTensorValueFromMemory(data, shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [input], [value], names);
        return names.Zip(results).ToDictionary(p => p.First, p => p.Second.GetTensorDataAsSpan<float>().ToArray(), StringComparer.Ordinal);
    }

    /// <summary>MinMax over the samples for each tensor, by running the fp32 model with the tensors as extra outputs.</summary>
    public static Dictionary<string, TensorRange> MinMax(byte[] model, IReadOnlyList<string> tensors, string input, IEnumerable<float[]> samples, long[] shape)
    {
        var proto = ModelProto.Parser.ParseFrom(model);
        var existing = proto.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var tensor in tensors.Where(t => !existing.Contains(t) && t != input))
        {
            proto.Graph.Output.Add(new ValueInfoProto
            {
                Name = tensor,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = OnnxElementType.Float } },
            });
        }

        var bytes = proto.ToByteArray();
        var ranges = new Dictionary<string, TensorRange>(StringComparer.Ordinal);
        foreach (var sample in samples)
        {
            var outputs = Run(bytes, input, sample, shape, [.. tensors.Where(t => t != input)]);
            outputs[input] = sample;
            foreach (var (name, values) in outputs)
            {
                var range = new TensorRange(values.Min(), values.Max());
                ranges[name] = ranges.TryGetValue(name, out var seen) ? new TensorRange(Math.Min(seen.Min, range.Min), Math.Max(seen.Max, range.Max)) : range;
            }
        }

        return ranges;
    }

    /// <summary>The op types (domain-qualified for contrib ops) of the graph ONNX Runtime writes after <paramref name="level"/> optimization.</summary>
    public static List<string> OptimizedOps(byte[] model, GraphOptimizationLevel level = GraphOptimizationLevel.ORT_ENABLE_EXTENDED) =>
        [.. Optimized(model, level).Graph.Node.Select(n => n.Domain is "" or "ai.onnx" ? n.OpType : $"{n.Domain}.{n.OpType}")];

    public static ModelProto Optimized(byte[] model, GraphOptimizationLevel level) =>
        ModelProto.Parser.ParseFrom(OptimizedBytes(model, level));

    public static byte[] OptimizedBytes(byte[] model, GraphOptimizationLevel level)
    {
        var path = Path.Combine(Path.GetTempPath(), $"edgeai-qdq-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions { GraphOptimizationLevel = level, OptimizedModelFilePath = path })
            using (new InferenceSession(model, options))
            {
            }

            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    /// <summary>Smooth, image-like test tensors (sums of low-frequency waves), deterministic by seed.</summary>
    public static float[] Smooth(int seed, int count, float amplitude = 1f)
    {
        var random = new Random(seed);
        var (a, b, c) = (random.NextDouble() * 0.2, random.NextDouble() * 0.05, random.NextDouble() * 6);
        return [.. Enumerable.Range(0, count).Select(i => (float)(amplitude * ((0.6 * Math.Sin((a * i) + c)) + (0.4 * Math.Cos(b * i)) + (0.1 * ((random.NextDouble() * 2) - 1)))))];
    }
}
