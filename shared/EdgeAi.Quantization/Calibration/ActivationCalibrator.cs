namespace EdgeAi.Quantization.Calibration;

/// <summary>Runs the fp32 model in ONNX Runtime with the tensors to calibrate as extra outputs and turns what it sees into ranges.</summary>
public static class ActivationCalibrator
{
    /// <summary>A range for every tensor named, by <see cref="QuantizationOptions.Method"/>, in memory bounded by the bins, not the set.</summary>
    /// <remarks>
    /// MinMax reads the source once. Percentile and Entropy read it twice: the largest |x| per tensor first, then a
    /// histogram of |x| over [0, that maximum] with <see cref="QuantizationOptions.HistogramBins"/> bins; the threshold t they
    /// choose gives [-t, t] within the values seen ([0, t] for a tensor that is never negative).
    /// </remarks>
    public static IReadOnlyDictionary<string, TensorRange> Collect(
        byte[] model, IReadOnlyCollection<string> tensors, ICalibrationSource source, QuantizationOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        CheckOptions(options);
        if (source.Count == 0)
        {
            throw EmptySet(source);
        }

        var names = tensors.Distinct(StringComparer.Ordinal).ToArray();
        using var runner = new CalibrationRunner(model, names);
        var extremes = new ExtremesObserver(names.Length);
        if (runner.Pass(source, extremes, cancellationToken) == 0)
        {
            throw EmptySet(source);
        }

        var ranges = new Dictionary<string, TensorRange>(names.Length, StringComparer.Ordinal);
        if (options.Method == CalibrationMethod.MinMax)
        {
            for (var i = 0; i < names.Length; i++)
            {
                ranges[names[i]] = extremes.Range(i);
            }

            return ranges;
        }

        var histograms = new HistogramObserver(Enumerable.Range(0, names.Length).Select(extremes.AbsMax).ToArray(), options.HistogramBins);
        runner.Pass(source, histograms, cancellationToken);
        for (var i = 0; i < names.Length; i++)
        {
            var histogram = histograms.Histogram(i);
            var width = histograms.BinWidth(i);
            var levels = extremes.Range(i).Min >= 0 ? 2 * Thresholds.Levels : Thresholds.Levels;
            var threshold = options.Method == CalibrationMethod.Percentile
                ? Thresholds.Percentile(histogram, width, options.Percentile)
                : Thresholds.Entropy(histogram, width, levels);
            ranges[names[i]] = Thresholds.Clip(threshold, extremes.Range(i));
        }

        return ranges;
    }

    internal static QuantizationException EmptySet(ICalibrationSource source) =>
        new($"the calibration set is empty: expected .npy tensors or images in {source.Description}");

    private static void CheckOptions(QuantizationOptions options)
    {
        if (!Enum.IsDefined(options.Method))
        {
            throw new QuantizationException($"unknown calibration method {(int)options.Method}; expected MinMax, Percentile or Entropy");
        }

        if (options.Method == CalibrationMethod.Percentile && !(options.Percentile > 0 && options.Percentile <= 100))
        {
            throw new QuantizationException($"percentile {options.Percentile} is out of range: expected more than 0 and at most 100");
        }

        var minimumBins = options.Method == CalibrationMethod.Entropy ? Thresholds.Levels : 1;
        if (options.Method != CalibrationMethod.MinMax && options.HistogramBins < minimumBins)
        {
            throw new QuantizationException(
                $"{options.HistogramBins} histogram bins are too few for {options.Method}: expected at least {minimumBins}{(minimumBins > 1 ? " (the 8-bit levels)" : "")}");
        }
    }
}
