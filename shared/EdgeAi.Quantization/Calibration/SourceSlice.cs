namespace EdgeAi.Quantization.Calibration;

/// <summary>A run of consecutive samples of another source, read through it (nothing is held in memory).</summary>
internal sealed class SourceSlice : ICalibrationSource
{
    private readonly ICalibrationSource inner;
    private readonly int skip;

    public SourceSlice(ICalibrationSource inner, int skip, int count, string role)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        this.inner = inner;
        this.skip = skip;
        Count = count;
        Description = $"{role}: samples {skip + 1}–{skip + count} of {inner.Description}";
    }

    public int Count { get; }

    public string Description { get; }

    // Skip still reads the samples before the slice (a source is a sequence); they are dropped one by one, not kept.
    public IEnumerable<CalibrationSample> Read() => inner.Read().Skip(skip).Take(Count);
}

/// <summary>How a set is split: the first samples calibrate, the last ones measure accuracy.</summary>
internal sealed record SampleSplit(ICalibrationSource Calibration, ICalibrationSource Evaluation, bool HeldOut)
{
    /// <summary>
    /// The last <see cref="QuantizationOptions.EvaluationSamples"/> (at most a third of the set, at least one when there
    /// are two or more) evaluate; of the rest, the first <see cref="QuantizationOptions.MaxCalibrationSamples"/> calibrate.
    /// A set of one sample calibrates and evaluates on it (<see cref="HeldOut"/> is false).
    /// </summary>
    public static SampleSplit Of(ICalibrationSource source, QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        if (options.EvaluationSamples < 0)
        {
            throw new QuantizationException($"EvaluationSamples is {options.EvaluationSamples}; expected 0 or more");
        }

        if (options.MaxCalibrationSamples < 1)
        {
            throw new QuantizationException($"MaxCalibrationSamples is {options.MaxCalibrationSamples}; expected 1 or more");
        }

        var count = source.Count;
        if (count <= 0)
        {
            throw ActivationCalibrator.EmptySet(source);
        }

        if (count == 1)
        {
            var only = new SourceSlice(source, 0, 1, "calibration and evaluation (a single sample, not held out)");
            return new SampleSplit(only, only, HeldOut: false);
        }

        var evaluation = Math.Max(1, Math.Min(options.EvaluationSamples, count / 3));
        var calibration = Math.Min(count - evaluation, options.MaxCalibrationSamples);
        return new SampleSplit(
            new SourceSlice(source, 0, calibration, "calibration"),
            new SourceSlice(source, count - evaluation, evaluation, "evaluation"),
            HeldOut: true);
    }
}
