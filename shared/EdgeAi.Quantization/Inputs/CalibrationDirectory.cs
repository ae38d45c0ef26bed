using EdgeAi.Quantization.Calibration;

namespace EdgeAi.Quantization.Inputs;

/// <summary>How images become the model's input tensor: a pipeline's resize and normalize steps.</summary>
public sealed record ImagePreprocessing(
    int Width, int Height, bool Letterbox, int Fill, float Scale, float[] Mean, float[] Std, bool Bgr, bool Nhwc, string? Input);

/// <summary>A calibration directory: <c>.npy</c> tensors, or JPEG/PNG images through a pipeline's pre-processing.</summary>
public static class CalibrationDirectory
{
    /// <summary>
    /// Opens <paramref name="directory"/> for <paramref name="model"/>; images need <paramref name="images"/> or a
    /// <c>preprocess.json</c> in the directory. Throws <see cref="QuantizationException"/> for an empty set, tensors of the
    /// wrong shape or datatype, or images with no pre-processing.
    /// </summary>
    public static ICalibrationSource Open(string directory, byte[] model, ImagePreprocessing? images) =>
        throw new NotImplementedException("issue 13: inputs helper");
}
