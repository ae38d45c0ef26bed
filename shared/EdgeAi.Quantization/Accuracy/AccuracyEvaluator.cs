using EdgeAi.Quantization.Calibration;

namespace EdgeAi.Quantization.Accuracy;

/// <summary>Runs the fp32 and the quantized model on the same held-out samples and compares every output.</summary>
public static class AccuracyEvaluator
{
    /// <summary>
    /// Per FLOAT output of <paramref name="reference"/>: mean and worst per-sample cosine similarity (flattened), max and
    /// mean absolute error, and top-1 agreement for score vectors ([C] or [N, C] with C &gt; 1; none for rank 3 and above).
    /// The samples are read once, one at a time.
    /// </summary>
    public static IReadOnlyList<OutputAccuracy> Compare(byte[] reference, byte[] candidate, IEnumerable<CalibrationSample> samples, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(samples);
        using var fp32 = new ModelRunner(reference, "fp32");
        using var quantized = new ModelRunner(candidate, "quantized");
        var outputs = OutputsToCompare(fp32, quantized);
        var statistics = outputs.Select(o => new OutputStatistics(o)).ToArray();
        var count = 0;
        foreach (var sample in samples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var expected = fp32.Run(sample, outputs);
            var actual = quantized.Run(sample, outputs);
            Add(statistics, expected, actual);
            count++;
        }

        cancellationToken.ThrowIfCancellationRequested();
        return count == 0
            ? throw new QuantizationException("there are no evaluation samples to compare the quantized model with fp32 on")
            : statistics.Select(s => s.ToAccuracy()).ToArray();
    }

    internal static string[] OutputsToCompare(ModelRunner fp32, ModelRunner quantized)
    {
        var missing = fp32.FloatOutputs.Where(o => !quantized.AllOutputs.Contains(o)).ToArray();
        if (missing.Length > 0)
        {
            throw new QuantizationException(
                $"the quantized model lacks output{(missing.Length > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))} of the fp32 model");
        }

        return fp32.FloatOutputs.Length > 0
            ? fp32.FloatOutputs
            : throw new QuantizationException("the fp32 model has no FLOAT output to compare the quantized model on");
    }

    internal static void Add(OutputStatistics[] statistics, OutputValues[] expected, OutputValues[] actual)
    {
        for (var i = 0; i < statistics.Length; i++)
        {
            statistics[i].Add(expected[i].Shape, expected[i].Values, actual[i].Values);
        }
    }
}
