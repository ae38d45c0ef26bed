namespace EdgeAi.Quantization.Calibration;

/// <summary>First pass (and all of MinMax): the smallest, largest and largest absolute finite value per tensor.</summary>
internal sealed class ExtremesObserver : ITensorObserver
{
    private readonly float[] min;
    private readonly float[] max;

    public ExtremesObserver(int tensors)
    {
        min = new float[tensors];
        max = new float[tensors];
        Array.Fill(min, float.PositiveInfinity);
        Array.Fill(max, float.NegativeInfinity);
    }

    public void Observe(int tensor, ReadOnlySpan<float> values)
    {
        var lo = min[tensor];
        var hi = max[tensor];
        foreach (var v in values)
        {
            // NaN fails both comparisons; infinities are left out so one overflow cannot make the range useless.
            if (v < lo && float.IsFinite(v))
            {
                lo = v;
            }

            if (v > hi && float.IsFinite(v))
            {
                hi = v;
            }
        }

        min[tensor] = lo;
        max[tensor] = hi;
    }

    /// <summary>The range seen; (0, 0) for a tensor that never held a finite value.</summary>
    public TensorRange Range(int tensor) => min[tensor] <= max[tensor] ? new TensorRange(min[tensor], max[tensor]) : new TensorRange(0, 0);

    public float AbsMax(int tensor)
    {
        var range = Range(tensor);
        return Math.Max(Math.Abs(range.Min), Math.Abs(range.Max));
    }
}

/// <summary>
/// Second pass of Percentile and Entropy: a histogram of |x| per tensor with a fixed number of bins over
/// [0, absmax] from the first pass, so memory is bins × tensors whatever the size of the set.
/// </summary>
internal sealed class HistogramObserver : ITensorObserver
{
    private readonly float[] absMax;
    private readonly long[][] histograms;

    public HistogramObserver(float[] absMax, int bins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        this.absMax = absMax;
        histograms = absMax.Select(_ => new long[bins]).ToArray();
    }

    public int Bins => histograms.Length == 0 ? 0 : histograms[0].Length;

    public void Observe(int tensor, ReadOnlySpan<float> values)
    {
        var histogram = histograms[tensor];
        var limit = absMax[tensor];
        if (limit <= 0)
        {
            // Every finite value was 0: all in the first bin.
            histogram[0] += values.Length;
            return;
        }

        var last = histogram.Length - 1;
        var perUnit = histogram.Length / (double)limit;
        foreach (var v in values)
        {
            if (!float.IsFinite(v))
            {
                continue;
            }

            var bin = (int)Math.Min(Math.Abs(v) * perUnit, last);
            histogram[bin]++;
        }
    }

    public long[] Histogram(int tensor) => histograms[tensor];

    /// <summary>The width of one bin of <paramref name="tensor"/>'s histogram.</summary>
    public double BinWidth(int tensor) => absMax[tensor] / (double)histograms[tensor].Length;
}
