namespace EdgeAi.Quantization.Calibration;

/// <summary>Runs the fp32 model in ONNX Runtime with the tensors to calibrate as extra outputs and turns what it sees into ranges.</summary>
public static class ActivationCalibrator
{
    /// <summary>A range for every tensor named, by <see cref="QuantizationOptions.Method"/>, in memory bounded by the bins, not the set.</summary>
    public static IReadOnlyDictionary<string, TensorRange> Collect(
        byte[] model, IReadOnlyCollection<string> tensors, ICalibrationSource source, QuantizationOptions options, CancellationToken cancellationToken) =>
        throw new NotImplementedException("issue 13: calibration helper");
}
