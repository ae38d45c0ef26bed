namespace EdgeAi.Quantization.Accuracy;

/// <summary>
/// Accumulates one output's comparison over samples. Top-1 is counted only for score vectors: an output of rank 1
/// ([C]) or rank 2 ([N, C], one argmax per row) with C &gt; 1. Rank 4 and above are feature maps (the ResNet18
/// featurizer's [1, 512, 1, 1] included) and rank 3 is a sequence, so they get no top-1.
/// </summary>
internal sealed class OutputStatistics
{
    private readonly string name;
    private int samples;
    private double cosineSum;
    private double minCosine = double.PositiveInfinity;
    private double maxAbsError;
    private double absErrorSum;
    private long elements;
    private long rows;
    private long agreeing;
    private bool scores = true;

    public OutputStatistics(string name) => this.name = name;

    public static bool IsScoreVector(IReadOnlyList<long> shape) => shape.Count is 1 or 2 && shape[^1] > 1;

    /// <summary>Cosine similarity of two flattened tensors; two zero vectors are alike (1), a zero and a non-zero vector are not (0).</summary>
    public static double Cosine(ReadOnlySpan<float> reference, ReadOnlySpan<float> candidate)
    {
        double dot = 0, a = 0, b = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            dot += (double)reference[i] * candidate[i];
            a += (double)reference[i] * reference[i];
            b += (double)candidate[i] * candidate[i];
        }

        if (a == 0 && b == 0)
        {
            return 1;
        }

        if (a == 0 || b == 0)
        {
            return 0;
        }

        return Math.Clamp(dot / (Math.Sqrt(a) * Math.Sqrt(b)), -1, 1);
    }

    /// <summary>The index of the largest value (the first of equals).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }

    public void Add(IReadOnlyList<long> shape, ReadOnlySpan<float> reference, ReadOnlySpan<float> candidate)
    {
        if (reference.Length != candidate.Length)
        {
            throw new QuantizationException($"output '{name}' has {candidate.Length} values in the quantized model and {reference.Length} in fp32");
        }

        var cosine = Cosine(reference, candidate);
        samples++;
        cosineSum += cosine;
        minCosine = Math.Min(minCosine, cosine);
        for (var i = 0; i < reference.Length; i++)
        {
            var error = Math.Abs((double)reference[i] - candidate[i]);
            if (double.IsNaN(error) || error > maxAbsError)
            {
                maxAbsError = double.IsNaN(error) ? double.PositiveInfinity : error;
            }

            absErrorSum += double.IsNaN(error) ? 0 : error;
        }

        elements += reference.Length;
        scores &= IsScoreVector(shape);
        if (scores && reference.Length > 0)
        {
            var classes = (int)shape[^1];
            for (var row = 0; row < reference.Length / classes; row++)
            {
                rows++;
                if (ArgMax(reference.Slice(row * classes, classes)) == ArgMax(candidate.Slice(row * classes, classes)))
                {
                    agreeing++;
                }
            }
        }
    }

    public OutputAccuracy ToAccuracy() => new(
        name,
        samples == 0 ? 0 : cosineSum / samples,
        samples == 0 ? 0 : minCosine,
        maxAbsError,
        elements == 0 ? 0 : absErrorSum / elements,
        scores && rows > 0 ? agreeing / (double)rows : null);
}
