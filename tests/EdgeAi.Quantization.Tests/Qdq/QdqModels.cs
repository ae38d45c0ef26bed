using EdgeAi.Common.Onnx;

namespace EdgeAi.Quantization.Tests.Qdq;

/// <summary>Small fp32 graphs from <see cref="OnnxModelBuilder"/> with deterministic weights, one per pattern the rewrite handles.</summary>
internal static class QdqModels
{
    public const int Channels = 4;

    public static float[] Weights(int seed, int count, float scale = 0.5f)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => (float)(((random.NextDouble() * 2) - 1) * scale))];
    }

    /// <summary>input [1,3,8,8] → Conv(3→4, 3×3, pad 1, bias) → Relu → "output". Channel c's weights are scaled by c + 1, so the per-channel scales differ.</summary>
    public static byte[] ConvRelu(int opset = 13, string? convName = null)
    {
        var weights = Weights(1, Channels * 3 * 9);
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] *= (i / 27) + 1;
        }

        var builder = new OnnxModelBuilder("conv_relu", opset)
            .Input("input", OnnxElementType.Float, 1, 3, 8, 8)
            .Output("output", OnnxElementType.Float, 1, Channels, 8, 8)
            .Initializer("W", weights, Channels, 3, 3, 3)
            .Initializer("B", [0.1f, -0.2f, 0.3f, 0.05f], Channels)
            .Node("Conv", ["input", "W", "B"], ["conv"], OnnxAttribute.Ints("pads", 1, 1, 1, 1), OnnxAttribute.Ints("kernel_shape", 3, 3))
            .Node("Relu", ["conv"], ["output"]);
        var bytes = builder.ToBytes();
        return convName is null ? bytes : Rename(bytes, "Conv_0", convName);
    }

    /// <summary>input [1,3,8,8] → Conv → Relu → MaxPool(2) → two Conv branches → Add → Relu → Concat with the pool → Reshape [1,-1] → "output".</summary>
    public static byte[] Branches(int opset = 13) => new OnnxModelBuilder("branches", opset)
        .Input("input", OnnxElementType.Float, 1, 3, 8, 8)
        .Output("output", OnnxElementType.Float, 1, 2 * Channels * 16)
        .Initializer("W1", Weights(2, Channels * 3 * 9), Channels, 3, 3, 3)
        .Initializer("B1", Weights(3, Channels, 0.1f), Channels)
        .Initializer("W2", Weights(4, Channels * Channels * 9), Channels, Channels, 3, 3)
        .Initializer("W3", Weights(5, Channels * Channels), Channels, Channels, 1, 1)
        .Initializer("shape", [1L, -1L], 2)
        .Node("Conv", ["input", "W1", "B1"], ["c1"], OnnxAttribute.Ints("pads", 1, 1, 1, 1))
        .Node("Relu", ["c1"], ["r1"])
        .Node("MaxPool", ["r1"], ["p1"], OnnxAttribute.Ints("kernel_shape", 2, 2), OnnxAttribute.Ints("strides", 2, 2))
        .Node("Conv", ["p1", "W2"], ["c2"], OnnxAttribute.Ints("pads", 1, 1, 1, 1))
        .Node("Conv", ["p1", "W3"], ["c3"])
        .Node("Add", ["c2", "c3"], ["sum"])
        .Node("Relu", ["sum"], ["r2"])
        .Node("Concat", ["r2", "p1"], ["cat"], OnnxAttribute.Int("axis", 1))
        .Node("Reshape", ["cat", "shape"], ["output"])
        .ToBytes();

    /// <summary>input [2,16] → Gemm(transB, W [8,16], bias) → Relu → MatMul(W2 [8,4]) → "output" [2,4].</summary>
    public static byte[] GemmMatMul(int opset = 13) => new OnnxModelBuilder("gemm_matmul", opset)
        .Input("input", OnnxElementType.Float, 2, 16)
        .Output("output", OnnxElementType.Float, 2, 4)
        .Initializer("W", Weights(6, 8 * 16), 8, 16)
        .Initializer("B", Weights(7, 8, 0.1f), 8)
        .Initializer("W2", Weights(8, 8 * 4), 8, 4)
        .Node("Gemm", ["input", "W", "B"], ["g"], OnnxAttribute.Int("transB", 1))
        .Node("Relu", ["g"], ["r"])
        .Node("MatMul", ["r", "W2"], ["output"])
        .ToBytes();

    /// <summary>input [1,3,8,8] → Conv(3→4, 3×3, pad 1) → Clip(0, 6) → "output".</summary>
    public static byte[] ConvClip() => new OnnxModelBuilder("conv_clip", 13)
        .Input("input", OnnxElementType.Float, 1, 3, 8, 8)
        .Output("output", OnnxElementType.Float, 1, Channels, 8, 8)
        .Initializer("W", Weights(9, Channels * 3 * 9, 1f), Channels, 3, 3, 3)
        .Initializer("min", [0f])
        .Initializer("max", [6f])
        .Node("Conv", ["input", "W"], ["conv"], OnnxAttribute.Ints("pads", 1, 1, 1, 1))
        .Node("Clip", ["conv", "min", "max"], ["output"])
        .ToBytes();

    /// <summary>Rename one node (the builder names nodes {OpType}_{index}).</summary>
    public static byte[] Rename(byte[] model, string from, string to)
    {
        var proto = Common.Onnx.Proto.ModelProto.Parser.ParseFrom(model);
        proto.Graph.Node.Single(n => n.Name == from).Name = to;
        return Google.Protobuf.MessageExtensions.ToByteArray(proto);
    }
}
