using System.Buffers.Binary;
using EdgeAi.Common.Inference;

namespace EdgeAi.Agent.Pipelines;

/// <summary>
/// Turns resized pixels (float RGB, interleaved, 0–255) into the model's input tensor: value =
/// (pixel × Scale − Mean[c]) / Std[c] for tensor channel c, channels in RGB or BGR order, laid out NCHW or NHWC,
/// as FP32, FP16 or UINT8 (pixels rounded to the nearest integer), little-endian as the protocol's raw contents are.
/// </summary>
internal static class PixelNormalizer
{
    public static TensorDatatype DatatypeOf(PixelDatatype datatype) => datatype switch
    {
        PixelDatatype.Fp16 => TensorDatatype.Fp16,
        PixelDatatype.UInt8 => TensorDatatype.UInt8,
        _ => TensorDatatype.Fp32,
    };

    public static long[] ShapeOf(TensorLayout layout, int width, int height) =>
        layout == TensorLayout.Nhwc ? [1, height, width, 3] : [1, 3, height, width];

    public static byte[] ToTensor(ReadOnlySpan<float> rgb, int width, int height, NormalizeOptions normalize)
    {
        ArgumentNullException.ThrowIfNull(normalize);
        var pixels = width * height;
        if (rgb.Length != pixels * 3)
        {
            throw new ArgumentException($"{rgb.Length} values are not {width} × {height} RGB pixels", nameof(rgb));
        }
        var datatype = DatatypeOf(normalize.Datatype);
        var size = datatype.ElementSize();
        var tensor = new byte[pixels * 3 * size];
        Span<float> scale = stackalloc float[3];
        Span<float> offset = stackalloc float[3];
        Span<int> source = stackalloc int[3];
        for (var c = 0; c < 3; c++)
        {
            // (p × Scale − Mean) / Std as one multiply-add per value.
            scale[c] = normalize.Scale / normalize.StdOf(c);
            offset[c] = -normalize.MeanOf(c) / normalize.StdOf(c);
            source[c] = normalize.Order == ChannelOrder.Bgr ? 2 - c : c;
        }
        var nchw = normalize.Layout == TensorLayout.Nchw;
        for (var i = 0; i < pixels; i++)
        {
            for (var c = 0; c < 3; c++)
            {
                var value = rgb[i * 3 + source[c]] * scale[c] + offset[c];
                var index = nchw ? c * pixels + i : i * 3 + c;
                var at = tensor.AsSpan(index * size, size);
                switch (datatype)
                {
                    case TensorDatatype.Fp32: BinaryPrimitives.WriteSingleLittleEndian(at, value); break;
                    case TensorDatatype.Fp16: BinaryPrimitives.WriteHalfLittleEndian(at, (Half)value); break;
                    default: at[0] = (byte)Math.Clamp(MathF.Round(value, MidpointRounding.AwayFromZero), 0, 255); break;
                }
            }
        }
        return tensor;
    }
}
