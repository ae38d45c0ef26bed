using EdgeAi.Quantization.Calibration;

namespace EdgeAi.Quantization.Accuracy;

/// <summary>
/// The evaluation samples and the fp32 model's outputs on them, computed once, so the fallback search compares many
/// candidate models without re-running fp32. Holds the (few) evaluation samples in memory.
/// </summary>
internal sealed class EvaluationBaseline
{
    private readonly List<CalibrationSample> samples;
    private readonly List<OutputValues[]> expected;
    private readonly string[] outputs;

    private EvaluationBaseline(List<CalibrationSample> samples, List<OutputValues[]> expected, string[] outputs)
    {
        this.samples = samples;
        this.expected = expected;
        this.outputs = outputs;
    }

    public int Count => samples.Count;

    public CalibrationSample First => samples[0];

    public static EvaluationBaseline Create(byte[] reference, IEnumerable<CalibrationSample> source, CancellationToken cancellationToken)
    {
        using var fp32 = new ModelRunner(reference, "fp32");
        var outputs = fp32.FloatOutputs.Length > 0
            ? fp32.FloatOutputs
            : throw new QuantizationException("the fp32 model has no FLOAT output to compare the quantized model on");
        var samples = new List<CalibrationSample>();
        var expected = new List<OutputValues[]>();
        foreach (var sample in source)
        {
            cancellationToken.ThrowIfCancellationRequested();
            expected.Add(fp32.Run(sample, outputs));
            samples.Add(sample);
        }

        return samples.Count == 0
            ? throw new QuantizationException("there are no evaluation samples to compare the quantized model with fp32 on")
            : new EvaluationBaseline(samples, expected, outputs);
    }

    public IReadOnlyList<OutputAccuracy> Compare(byte[] candidate, CancellationToken cancellationToken)
    {
        using var quantized = new ModelRunner(candidate, "quantized");
        var missing = outputs.Where(o => !quantized.AllOutputs.Contains(o)).ToArray();
        if (missing.Length > 0)
        {
            throw new QuantizationException($"the quantized model lacks output(s) {string.Join(", ", missing.Select(m => $"'{m}'"))} of the fp32 model");
        }

        var statistics = outputs.Select(o => new OutputStatistics(o)).ToArray();
        for (var i = 0; i < samples.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            AccuracyEvaluator.Add(statistics, expected[i], quantized.Run(samples[i], outputs));
        }

        return statistics.Select(s => s.ToAccuracy()).ToArray();
    }
}
