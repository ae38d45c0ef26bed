using EdgeAi.Common.Onnx;

namespace EdgeAi.IntegrationTests;

/// <summary>Models that make each routing situation happen on purpose.</summary>
internal static class CloudModels
{
    /// <summary>A deliberately slow model: input [-1,256] through <paramref name="layers"/> 256×256 MatMuls.</summary>
    public static byte[] Slow(int layers)
    {
        var weights = Enumerable.Range(0, 256 * 256).Select(i => ((i % 13) - 6) / 1024f).ToArray();
        var builder = new OnnxModelBuilder("slow")
            .Input("input", OnnxElementType.Float, -1, 256)
            .Output("output", OnnxElementType.Float, -1, 256)
            .Initializer("w", weights, 256, 256);
        var previous = "input";
        for (var i = 0; i < layers; i++)
        {
            var next = i == layers - 1 ? "output" : $"h{i}";
            builder.Node("MatMul", [previous, "w"], [next]);
            previous = next;
        }
        return builder.ToBytes();
    }

    /// <summary>Inputs "a" and "b" [-1,3] joined along dimension 0: accepts shapes that AddTwo's Add cannot broadcast.</summary>
    public static byte[] Concat() => new OnnxModelBuilder("concat")
        .Input("a", OnnxElementType.Float, -1, 3)
        .Input("b", OnnxElementType.Float, -1, 3)
        .Output("sum", OnnxElementType.Float, -1, 3)
        .Node("Concat", ["a", "b"], ["sum"], OnnxAttribute.Int("axis", 0))
        .ToBytes();
}
