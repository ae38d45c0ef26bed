using EdgeAi.Common.Onnx;

namespace EdgeAi.IntegrationTests.Variants;

/// <summary>
/// One small model in three variants with the same interface (input FLOAT [batch, 4] → output FLOAT
/// [batch, 4], output = input × diag(scale)): fp32; int8 in the QDQ form the quantizer writes
/// (QuantizeLinear/DequantizeLinear on the activation, INT8 weights dequantized into the MatMul); fp16
/// (computed in float16 between two Casts). Each runs in ONNX Runtime on the CPU.
/// </summary>
internal static class VariantModels
{
    public const int Width = 4;

    public static byte[] Fp32(float scale = 2f) =>
        Graph("mm-fp32")
            .Initializer("weight", Diagonal(scale), Width, Width)
            .Node("MatMul", ["input", "weight"], ["output"])
            .ToBytes();

    /// <summary>Weights quantized to INT8 with scale <c>scale / 100</c> (so diag = 100), activations with scale 0.05, zero point 0.</summary>
    public static byte[] Int8(float scale = 2f) =>
        Graph("mm-int8")
            .Initializer("x_scale", [0.05f])
            .Initializer("x_zero", new sbyte[] { 0 })
            .Initializer("w_q", [.. Diagonal(100f).Select(v => (sbyte)v)], Width, Width)
            .Initializer("w_scale", [scale / 100f])
            .Initializer("w_zero", new sbyte[] { 0 })
            .Node("QuantizeLinear", ["input", "x_scale", "x_zero"], ["input_q"])
            .Node("DequantizeLinear", ["input_q", "x_scale", "x_zero"], ["input_dq"])
            .Node("DequantizeLinear", ["w_q", "w_scale", "w_zero"], ["weight"])
            .Node("MatMul", ["input_dq", "weight"], ["output"])
            .ToBytes();

    public static byte[] Fp16(float scale = 2f) =>
        Graph("mm-fp16")
            .Initializer("weight32", Diagonal(scale), Width, Width)
            .Node("Cast", ["input"], ["input16"], OnnxAttribute.Int("to", OnnxElementType.Float16))
            .Node("Cast", ["weight32"], ["weight16"], OnnxAttribute.Int("to", OnnxElementType.Float16))
            .Node("MatMul", ["input16", "weight16"], ["output16"])
            .Node("Cast", ["output16"], ["output"], OnnxAttribute.Int("to", OnnxElementType.Float))
            .ToBytes();

    /// <summary>A model whose input is [batch, 8]: not the version's interface.</summary>
    public static byte[] OtherShape() =>
        new OnnxModelBuilder("other")
            .Input("input", OnnxElementType.Float, -1, 8)
            .Output("output", OnnxElementType.Float, -1, 8)
            .Node("Identity", ["input"], ["output"])
            .ToBytes();

    private static OnnxModelBuilder Graph(string name) =>
        new OnnxModelBuilder(name)
            .Input("input", OnnxElementType.Float, -1, Width)
            .Output("output", OnnxElementType.Float, -1, Width);

    private static float[] Diagonal(float value) => [.. Enumerable.Range(0, Width * Width).Select(i => i % (Width + 1) == 0 ? value : 0f)];
}
