using EdgeAi.Common.Onnx;
using EdgeAi.Quantization.Calibration;

namespace EdgeAi.Quantization.Tests.Calibration;

public sealed class ActivationCalibratorTests
{
    private static readonly string[] Tensors = ["x", "doubled", "y"];

    [Fact]
    public void Collect_MinMax_RangesAreTheExtremesSeenInOnePass()
    {
        var source = new GeneratedSource(3, i => TestSets.Rows($"s{i}.npy", [i - 1.5f, 0.25f, i * 2f, -0.5f]));

        var ranges = ActivationCalibrator.Collect(TestSets.DoubleRelu(), Tensors, source, new QuantizationOptions(), CancellationToken.None);

        ranges["x"].ShouldBe(new TensorRange(-1.5f, 4f));
        ranges["doubled"].ShouldBe(new TensorRange(-3f, 8f));
        ranges["y"].ShouldBe(new TensorRange(0f, 8f));
        source.Reads.ShouldBe(1);
    }

    [Fact]
    public void Collect_Percentile_ThresholdAtThePercentileOfAbsoluteValues()
    {
        // x uniform over [-5, 5): |x| uniform over [0, 5]; y = relu(2x): half zeros, half uniform over (0, 10).
        var values = Enumerable.Range(0, 10_000).Select(k => (k / 1000f) - 5f).ToArray();
        var source = new GeneratedSource(10, i => TestSets.Rows($"s{i}.npy", values[(i * 1000)..((i + 1) * 1000)]));
        var options = new QuantizationOptions { Method = CalibrationMethod.Percentile, Percentile = 99 };

        var ranges = ActivationCalibrator.Collect(TestSets.DoubleRelu(), Tensors, source, options, CancellationToken.None);

        ranges["x"].Min.ShouldBe(-4.95f, 0.01f);
        ranges["x"].Max.ShouldBe(4.95f, 0.01f);
        ranges["y"].Min.ShouldBe(0f);
        ranges["y"].Max.ShouldBe(9.8f, 0.02f);
        source.Reads.ShouldBe(2);
    }

    [Fact]
    public void Collect_GaussianWithHugeOutliers_EntropyAndPercentileClipThemMinMaxDoesNot()
    {
        var values = TestSets.Gaussian(40_000, seed: 7);
        values[100] = 100f;
        values[20_000] = -90f;
        values[30_000] = 95f;
        var model = TestSets.DoubleRelu();
        ICalibrationSource Source() => new GeneratedSource(8, i => TestSets.Rows($"s{i}.npy", values[(i * 5000)..((i + 1) * 5000)]));

        var minMax = ActivationCalibrator.Collect(model, ["x"], Source(), new QuantizationOptions(), CancellationToken.None)["x"];
        var percentile = ActivationCalibrator.Collect(
            model, ["x"], Source(), new QuantizationOptions { Method = CalibrationMethod.Percentile, Percentile = 99.99 }, CancellationToken.None)["x"];
        var entropy = ActivationCalibrator.Collect(model, ["x"], Source(), new QuantizationOptions { Method = CalibrationMethod.Entropy }, CancellationToken.None)["x"];

        minMax.ShouldBe(new TensorRange(-90f, 100f));
        percentile.Max.ShouldBeInRange(3f, 5f);
        percentile.Min.ShouldBe(-percentile.Max);
        // 2048 bins over [0, 100]: the smallest candidate (128 bins) is 6.25, well inside the outliers.
        entropy.Max.ShouldBeInRange(3f, 15f);
        entropy.Min.ShouldBe(-entropy.Max);
    }

    [Fact]
    public void Collect_EntropyOfAReluOutput_ItsZerosDoNotCollapseTheRange()
    {
        // y = relu(2x) for Gaussian x: half exact zeros, the rest half-normal with σ 2. Left in, the zeros' spike in
        // bin 0 drove the threshold to the smallest candidate (1/16 of the range here).
        var values = TestSets.Gaussian(40_000, seed: 11);
        var source = new GeneratedSource(8, i => TestSets.Rows($"s{i}.npy", values[(i * 5000)..((i + 1) * 5000)]));

        var ranges = ActivationCalibrator.Collect(
            TestSets.DoubleRelu(), Tensors, source, new QuantizationOptions { Method = CalibrationMethod.Entropy }, CancellationToken.None);

        ranges["y"].Min.ShouldBe(0f);
        ranges["y"].Max.ShouldBeGreaterThan(4f);
        ranges["y"].Max.ShouldBeLessThanOrEqualTo(ranges["doubled"].Max);
    }

    [Fact]
    public void Collect_TwoPasses_MemoryIsBinsTimesTensorsWhateverTheSetSize()
    {
        var few = new GeneratedSource(2, i => TestSets.Rows($"s{i}.npy", TestSets.Gaussian(400, i)));
        var many = new GeneratedSource(200, i => TestSets.Rows($"s{i}.npy", TestSets.Gaussian(400, i)));
        var options = new QuantizationOptions { Method = CalibrationMethod.Entropy, HistogramBins = 512 };

        var fewRanges = ActivationCalibrator.Collect(TestSets.DoubleRelu(), Tensors, few, options, CancellationToken.None);
        var manyRanges = ActivationCalibrator.Collect(TestSets.DoubleRelu(), Tensors, many, options, CancellationToken.None);

        // Each pass makes every sample once and drops it: a lazy source read twice, never materialized.
        many.Reads.ShouldBe(2);
        many.Made.ShouldBe(400);
        fewRanges.Count.ShouldBe(3);
        manyRanges["y"].Min.ShouldBe(0f);
        manyRanges["x"].Max.ShouldBeGreaterThan(2f);

        var histograms = new HistogramObserver([4f, 1f], bins: 512);
        for (var i = 0; i < 1000; i++)
        {
            histograms.Observe(i % 2, TestSets.Gaussian(50, i));
        }

        histograms.Bins.ShouldBe(512);
        histograms.Histogram(0).Length.ShouldBe(512);
        histograms.Histogram(1).Sum().ShouldBe(500 * 50);
    }

    [Fact]
    public void Collect_WrongShape_NamesTheFileTheInputAndBothShapes()
    {
        var source = new GeneratedSource(1, _ => TestSets.Sample("calib/a.npy", "x", TestSets.Floats(new float[5], 1, 5)));

        var error = Should.Throw<QuantizationException>(() =>
            ActivationCalibrator.Collect(TestSets.DoubleRelu(), Tensors, source, new QuantizationOptions(), CancellationToken.None));

        error.Message.ShouldContain("calib/a.npy");
        error.Message.ShouldContain("'x'");
        error.Message.ShouldContain("FP32 [1, 5]");
        error.Message.ShouldContain("FP32 [?, 4]");
    }

    [Fact]
    public void Collect_WrongElementType_NamesBothTypes()
    {
        var tensor = new SampleTensor(OnnxElementType.Int64, [1, 4], new byte[32]);
        var source = new GeneratedSource(1, _ => TestSets.Sample("calib/b.npy", "x", tensor));

        var error = Should.Throw<QuantizationException>(() =>
            ActivationCalibrator.Collect(TestSets.DoubleRelu(), Tensors, source, new QuantizationOptions(), CancellationToken.None));

        error.Message.ShouldContain("calib/b.npy");
        error.Message.ShouldContain("INT64 [1, 4]");
        error.Message.ShouldContain("expects FP32");
    }

    [Fact]
    public void Collect_MissingOrUnknownInput_Throws()
    {
        var wrongName = new GeneratedSource(1, _ => TestSets.Sample("c.npy", "input", TestSets.Floats(new float[4], 1, 4)));
        var tooFewBytes = new GeneratedSource(1, _ => TestSets.Sample("d.npy", "x", new SampleTensor(OnnxElementType.Float, [1, 4], new byte[12])));

        Should.Throw<QuantizationException>(() =>
            ActivationCalibrator.Collect(TestSets.DoubleRelu(), Tensors, wrongName, new QuantizationOptions(), CancellationToken.None))
            .Message.ShouldContain("c.npy: tensor 'input' is not an input of the model; the model expects 'x' FP32 [?, 4]");
        Should.Throw<QuantizationException>(() =>
            ActivationCalibrator.Collect(TestSets.DoubleRelu(), Tensors, tooFewBytes, new QuantizationOptions(), CancellationToken.None))
            .Message.ShouldContain("holds 12 bytes");
    }

    [Fact]
    public void Collect_EmptySet_SaysWhatWasExpected()
    {
        var source = new GeneratedSource(0, _ => throw new InvalidOperationException());

        Should.Throw<QuantizationException>(() =>
            ActivationCalibrator.Collect(TestSets.DoubleRelu(), Tensors, source, new QuantizationOptions(), CancellationToken.None))
            .Message.ShouldBe("the calibration set is empty: expected .npy tensors or images in 0 test samples");
    }

    [Fact]
    public void Collect_UnknownTensor_Throws()
    {
        var source = new GeneratedSource(1, i => TestSets.Rows("s.npy", [1f]));

        Should.Throw<QuantizationException>(() =>
            ActivationCalibrator.Collect(TestSets.DoubleRelu(), ["nowhere"], source, new QuantizationOptions(), CancellationToken.None))
            .Message.ShouldContain("'nowhere'");
    }

    [Fact]
    public void Collect_Cancelled_StopsBetweenSamples()
    {
        using var cancellation = new CancellationTokenSource();
        var source = new GeneratedSource(5, i =>
        {
            if (i == 2)
            {
                cancellation.Cancel();
            }

            return TestSets.Rows($"s{i}.npy", [1f]);
        });

        Should.Throw<OperationCanceledException>(() =>
            ActivationCalibrator.Collect(TestSets.DoubleRelu(), Tensors, source, new QuantizationOptions(), cancellation.Token));
        source.Made.ShouldBe(3);
    }

    [Fact]
    public void Collect_EntropyWithTooFewBins_Throws()
    {
        var source = new GeneratedSource(1, i => TestSets.Rows("s.npy", [1f]));
        var options = new QuantizationOptions { Method = CalibrationMethod.Entropy, HistogramBins = 64 };

        Should.Throw<QuantizationException>(() => ActivationCalibrator.Collect(TestSets.DoubleRelu(), Tensors, source, options, CancellationToken.None))
            .Message.ShouldContain("at least 128");
    }
}
