using EdgeAi.Common.Inference;
using EdgeAi.Imaging;

namespace EdgeAi.Agent.Pipelines;

/// <summary>
/// A pipeline's <c>Normalize</c> settings applied through the shared <see cref="PixelTensor"/> (the quantizer
/// calibrates with the same code): value = (pixel × Scale − Mean[c]) / Std[c], RGB or BGR, NCHW or NHWC, FP32,
/// FP16 or UINT8.
/// </summary>
internal static class PixelNormalizer
{
    public static TensorDatatype DatatypeOf(PixelDatatype datatype) => datatype switch
    {
        PixelDatatype.Fp16 => TensorDatatype.Fp16,
        PixelDatatype.UInt8 => TensorDatatype.UInt8,
        _ => TensorDatatype.Fp32,
    };

    public static long[] ShapeOf(TensorLayout layout, int width, int height) => PixelTensor.ShapeOf(layout == TensorLayout.Nhwc, width, height);

    public static PixelTransform TransformOf(NormalizeOptions normalize)
    {
        ArgumentNullException.ThrowIfNull(normalize);
        return new PixelTransform(
            normalize.Scale, normalize.Mean, normalize.Std, normalize.Order == ChannelOrder.Bgr, normalize.Layout == TensorLayout.Nhwc, DatatypeOf(normalize.Datatype));
    }

    public static byte[] ToTensor(ReadOnlySpan<float> rgb, int width, int height, NormalizeOptions normalize) =>
        PixelTensor.Write(rgb, width, height, TransformOf(normalize));
}
