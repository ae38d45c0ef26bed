using EdgeAi.Quantization.Calibration;

namespace EdgeAi.Quantization.Tests.Calibration;

public sealed class ThresholdsTests
{
    [Fact]
    public void Percentile_UniformHistogram_UpperEdgeOfThePercentileBin()
    {
        var histogram = Enumerable.Repeat(10L, 100).ToArray();

        Thresholds.Percentile(histogram, binWidth: 0.5, percentile: 50).ShouldBe(25.0);
        Thresholds.Percentile(histogram, binWidth: 0.5, percentile: 100).ShouldBe(50.0);
        Thresholds.Percentile(new long[8], binWidth: 1, percentile: 99).ShouldBe(0.0);
    }

    [Fact]
    public void Entropy_UniformHistogram_KeepsEveryBin()
    {
        // Clipping a uniform distribution piles mass into the last bin that its 128-level copy cannot hold.
        var histogram = Enumerable.Repeat(100L, 2048).ToArray();

        Thresholds.BestEntropyBins(histogram).ShouldBe(2048);
    }

    [Fact]
    public void Entropy_NarrowBulkWithOneFarOutlier_ClipsNearTheBulk()
    {
        var histogram = new long[2048];
        for (var i = 0; i < 100; i++)
        {
            histogram[i] = 1000 - (9 * i);
        }

        histogram[2047] = 1;

        Thresholds.BestEntropyBins(histogram).ShouldBeLessThan(300);
        Thresholds.Entropy(histogram, binWidth: 0.01).ShouldBeLessThan(3.0);
    }

    [Fact]
    public void Divergence_KeepingExactly128Bins_IsZeroWithoutOutliers()
    {
        var histogram = Enumerable.Range(1, 128).Select(i => (long)i).ToArray();

        Thresholds.Divergence(histogram, 128, new double[128], new double[128]).ShouldBe(0.0, 1e-9);
    }

    [Fact]
    public void Clip_NonNegativeTensor_StartsAtZero()
    {
        Thresholds.Clip(3, new TensorRange(0.5f, 10f)).ShouldBe(new TensorRange(0f, 3f));
        Thresholds.Clip(3, new TensorRange(-1f, 10f)).ShouldBe(new TensorRange(-1f, 3f));
        Thresholds.Clip(3, new TensorRange(-10f, 2f)).ShouldBe(new TensorRange(-3f, 2f));
    }
}
