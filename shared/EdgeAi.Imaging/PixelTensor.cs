using System.Buffers.Binary;
using EdgeAi.Common.Inference;

namespace EdgeAi.Imaging;

/// <summary>
/// value = (pixel × <see cref="Scale"/> − Mean[c]) / Std[c] for tensor channel c; channels RGB or BGR
/// (<see cref="Bgr"/>), laid out NCHW or NHWC, as FP32, FP16 or UINT8. Mean and Std hold none (0 and 1), one
/// value for every channel, or three in tensor channel order.
/// </summary>
public sealed record PixelTransform(float Scale, float[] Mean, float[] Std, bool Bgr, bool Nhwc, TensorDatatype Datatype)
{
    public float MeanOf(int channel) => Mean.Length switch
    {
        0 => 0f,
        1 => Mean[0],
        _ => Mean[channel],
    };

    public float StdOf(int channel) => Std.Length switch
    {
        0 => 1f,
        1 => Std[0],
        _ => Std[channel],
    };
}

/// <summary>
/// Turns resized pixels (float RGB, interleaved, 0–255) into a model's input tensor as a <see cref="PixelTransform"/>
/// says, little-endian as the protocol's raw contents and ONNX tensors are (UINT8: pixels rounded to the nearest integer).
/// </summary>
public static class PixelTensor
{
    public static long[] ShapeOf(bool nhwc, int width, int height) => nhwc ? [1, height, width, 3] : [1, 3, height, width];

    public static byte[] Write(ReadOnlySpan<float> rgb, int width, int height, PixelTransform transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        var pixels = width * height;
        if (rgb.Length != pixels * 3)
        {
            throw new ArgumentException($"{rgb.Length} values are not {width} × {height} RGB pixels", nameof(rgb));
        }
        var datatype = transform.Datatype;
        if (datatype is not (TensorDatatype.Fp32 or TensorDatatype.Fp16 or TensorDatatype.UInt8))
        {
            throw new ArgumentException($"pixels become FP32, FP16 or UINT8 tensors, not {datatype.ToName()}", nameof(transform));
        }
        var size = datatype.ElementSize();
        var tensor = new byte[pixels * 3 * size];
        Span<float> scale = stackalloc float[3];
        Span<float> offset = stackalloc float[3];
        Span<int> source = stackalloc int[3];
        for (var c = 0; c < 3; c++)
        {
            // (p × Scale − Mean) / Std as one multiply-add per value.
            scale[c] = transform.Scale / transform.StdOf(c);
            offset[c] = -transform.MeanOf(c) / transform.StdOf(c);
            source[c] = transform.Bgr ? 2 - c : c;
        }
        var nchw = !transform.Nhwc;
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
