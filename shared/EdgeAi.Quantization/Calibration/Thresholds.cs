namespace EdgeAi.Quantization.Calibration;

/// <summary>Turns a histogram of |x| into a clipping threshold t, and t into a range.</summary>
internal static class Thresholds
{
    /// <summary>Levels of the magnitude of a symmetric 8-bit value (TensorRT's 128).</summary>
    public const int Levels = 128;

    // At most this many candidate thresholds are scored, so 2048 bins cost a few hundred KL evaluations per tensor.
    private const int MaxCandidates = 512;

    private const double SmoothingEpsilon = 1e-4;

    /// <summary>The upper edge of the first bin at which the cumulative count reaches <paramref name="percentile"/> percent.</summary>
    public static double Percentile(ReadOnlySpan<long> histogram, double binWidth, double percentile)
    {
        var total = 0L;
        foreach (var count in histogram)
        {
            total += count;
        }

        if (total == 0)
        {
            return 0;
        }

        var target = total * percentile / 100.0;
        var cumulative = 0L;
        for (var i = 0; i < histogram.Length; i++)
        {
            cumulative += histogram[i];
            if (cumulative >= target)
            {
                return (i + 1) * binWidth;
            }
        }

        return histogram.Length * binWidth;
    }

    /// <summary>
    /// TensorRT's entropy calibration: the threshold whose <paramref name="levels"/>-level copy of the histogram loses the
    /// least information (KL divergence). 128 levels for a signed tensor (the magnitude of a symmetric 8-bit value), 256
    /// for one that is never negative (its asymmetric range [0, t] gets every level).
    /// </summary>
    public static double Entropy(ReadOnlySpan<long> histogram, double binWidth, int levels = Levels) => BestEntropyBins(histogram, levels) * binWidth;

    /// <summary>The number of bins i (from <paramref name="levels"/> up to all) to keep below the threshold.</summary>
    public static int BestEntropyBins(ReadOnlySpan<long> histogram, int levels = Levels)
    {
        var bins = histogram.Length;
        if (bins <= levels)
        {
            return bins;
        }

        // The exact zeros of a ReLU output pile into bin 0; left in, their spike spread over the merged first level
        // dominates the divergence and drives the threshold to the smallest candidate (NVIDIA's calibrator does the same).
        var counts = histogram.ToArray();
        counts[0] = Math.Min(counts[0], counts[1]);
        var step = Math.Max(1, (bins - levels) / MaxCandidates);
        var p = new double[bins];
        var q = new double[bins];
        var best = bins;
        var bestDivergence = double.PositiveInfinity;
        for (var i = levels; ; i = Math.Min(i + step, bins))
        {
            var divergence = Divergence(counts, i, p, q, levels);
            if (divergence < bestDivergence)
            {
                bestDivergence = divergence;
                best = i;
            }

            if (i == bins)
            {
                return best;
            }
        }
    }

    /// <summary>KL(P‖Q) for the first <paramref name="kept"/> bins: P with the outliers in its last bin, Q its copy in <paramref name="levels"/> levels.</summary>
    internal static double Divergence(ReadOnlySpan<long> histogram, int kept, double[] p, double[] q, int levels = Levels)
    {
        var outliers = 0L;
        for (var j = kept; j < histogram.Length; j++)
        {
            outliers += histogram[j];
        }

        for (var j = 0; j < kept; j++)
        {
            p[j] = histogram[j];
        }

        p[kept - 1] += outliers;

        // Q: the kept bins (without the outliers) merged into as many groups as levels, each group's count spread evenly over
        // the bins of the group where P is not empty.
        for (var level = 0; level < levels; level++)
        {
            var start = (int)((long)level * kept / levels);
            var end = (int)((long)(level + 1) * kept / levels);
            var total = 0.0;
            var nonEmpty = 0;
            for (var j = start; j < end; j++)
            {
                total += histogram[j];
                if (p[j] > 0)
                {
                    nonEmpty++;
                }
            }

            for (var j = start; j < end; j++)
            {
                q[j] = p[j] > 0 ? total / nonEmpty : 0;
            }
        }

        var pSpan = p.AsSpan(0, kept);
        var qSpan = q.AsSpan(0, kept);
        if (!Smooth(pSpan) || !Smooth(qSpan))
        {
            return double.PositiveInfinity;
        }

        var pSum = Sum(pSpan);
        var qSum = Sum(qSpan);
        var divergence = 0.0;
        for (var j = 0; j < kept; j++)
        {
            if (pSpan[j] > 0)
            {
                var pj = pSpan[j] / pSum;
                divergence += pj * Math.Log(pj / (qSpan[j] / qSum));
            }
        }

        return divergence;
    }

    /// <summary>The range for a clipping threshold: [-t, t] within what was seen, [0, t] for a tensor that never went negative.</summary>
    public static TensorRange Clip(double threshold, TensorRange seen)
    {
        var t = (float)threshold;
        var min = seen.Min >= 0 ? 0 : Math.Max(-t, seen.Min);
        var max = seen.Max <= 0 ? 0 : Math.Min(t, seen.Max);
        return new TensorRange(min, max);
    }

    // Moves a little mass onto empty bins so KL stays finite where Q is empty and P is not (counts, so eps is tiny).
    private static bool Smooth(Span<double> distribution)
    {
        var zeros = 0;
        foreach (var v in distribution)
        {
            if (v <= 0)
            {
                zeros++;
            }
        }

        var nonZeros = distribution.Length - zeros;
        if (nonZeros == 0)
        {
            return false;
        }

        var take = SmoothingEpsilon * zeros / nonZeros;
        for (var j = 0; j < distribution.Length; j++)
        {
            distribution[j] = distribution[j] <= 0 ? SmoothingEpsilon : Math.Max(distribution[j] - take, SmoothingEpsilon);
        }

        return true;
    }

    private static double Sum(ReadOnlySpan<double> values)
    {
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum;
    }
}
