using EdgeAi.Quantization.Calibration;

namespace EdgeAi.Quantization.Accuracy;

/// <summary>Runs the fp32 and the quantized model on the same held-out samples and compares every output.</summary>
public static class AccuracyEvaluator
{
    public static IReadOnlyList<OutputAccuracy> Compare(byte[] reference, byte[] candidate, IEnumerable<CalibrationSample> samples, CancellationToken cancellationToken) =>
        throw new NotImplementedException("issue 13: calibration helper");
}
