using EdgeAi.Quantization.Calibration;

namespace EdgeAi.Quantization.Tests.Calibration;

public sealed class SampleSplitTests
{
    [Theory]
    [InlineData(100, 20, 500, 80, 20)]
    [InlineData(10, 20, 500, 7, 3)]
    [InlineData(2, 20, 500, 1, 1)]
    [InlineData(3, 0, 500, 2, 1)]
    [InlineData(1000, 20, 50, 50, 20)]
    public void Of_Counts_LastSamplesEvaluateAtMostAThird(int count, int evaluation, int maxCalibration, int expectedCalibration, int expectedEvaluation)
    {
        var options = new QuantizationOptions { EvaluationSamples = evaluation, MaxCalibrationSamples = maxCalibration };

        var split = SampleSplit.Of(new GeneratedSource(count, i => TestSets.Rows($"s{i}", [i])), options);

        split.Calibration.Count.ShouldBe(expectedCalibration);
        split.Evaluation.Count.ShouldBe(expectedEvaluation);
        split.HeldOut.ShouldBeTrue();
    }

    [Fact]
    public void Of_Views_ReadTheFirstAndTheLastSamplesLazily()
    {
        var source = new GeneratedSource(10, i => TestSets.Rows($"s{i}", [i]));

        var split = SampleSplit.Of(source, new QuantizationOptions { MaxCalibrationSamples = 4 });

        source.Made.ShouldBe(0);
        split.Calibration.Read().Select(s => s.Source).ShouldBe(["s0", "s1", "s2", "s3"]);
        split.Evaluation.Read().Select(s => s.Source).ShouldBe(["s7", "s8", "s9"]);
        split.Evaluation.Description.ShouldContain("samples 8–10 of 10 test samples");
    }

    [Fact]
    public void Of_OneSample_CalibratesAndEvaluatesOnIt()
    {
        var split = SampleSplit.Of(new GeneratedSource(1, i => TestSets.Rows("only", [1f])), new QuantizationOptions());

        split.HeldOut.ShouldBeFalse();
        split.Calibration.Read().Single().Source.ShouldBe("only");
        split.Evaluation.Read().Single().Source.ShouldBe("only");
    }

    [Fact]
    public void Of_EmptySetOrBadCounts_Throws()
    {
        Should.Throw<QuantizationException>(() => SampleSplit.Of(new GeneratedSource(0, _ => null!), new QuantizationOptions()))
            .Message.ShouldStartWith("the calibration set is empty");
        Should.Throw<QuantizationException>(() => SampleSplit.Of(new GeneratedSource(5, _ => null!), new QuantizationOptions { MaxCalibrationSamples = 0 }));
        Should.Throw<QuantizationException>(() => SampleSplit.Of(new GeneratedSource(5, _ => null!), new QuantizationOptions { EvaluationSamples = -1 }));
    }
}
