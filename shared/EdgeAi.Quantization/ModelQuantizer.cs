using EdgeAi.Quantization.Accuracy;
using EdgeAi.Quantization.Calibration;

namespace EdgeAi.Quantization;

/// <summary>The int8 model and its report.</summary>
public sealed record QuantizationResult(byte[] Model, AccuracyReport Report);

/// <summary>
/// fp32 ONNX in, QDQ INT8 out: basic graph optimization (folds BatchNorm), calibration, QDQ rewrite, accuracy
/// report against fp32 on held-out samples, accuracy-aware fallback until the budget holds, and a timing of
/// both on this machine.
/// </summary>
public static class ModelQuantizer
{
    public static QuantizationResult Quantize(byte[] fp32Model, ICalibrationSource source, QuantizationOptions options, IProgress<string>? progress, CancellationToken cancellationToken) =>
        throw new NotImplementedException("issue 13: calibration helper");
}
