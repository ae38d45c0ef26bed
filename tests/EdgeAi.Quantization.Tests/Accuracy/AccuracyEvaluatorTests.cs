using EdgeAi.Common.Onnx;
using EdgeAi.Quantization.Accuracy;
using EdgeAi.Quantization.Calibration;
using EdgeAi.Quantization.Tests.Calibration;

namespace EdgeAi.Quantization.Tests.Accuracy;

public sealed class AccuracyEvaluatorTests
{
    private static IEnumerable<CalibrationSample> ClassifierInputs(int count) => Enumerable.Range(0, count).Select(i =>
        TestSets.Sample($"s{i}", "input", TestSets.Floats(
            TestSets.Gaussian(8, seed: i).Select(v => Math.Clamp(v, -2f, 2f)).ToArray(), 2, 4)));

    [Fact]
    public void Compare_SameModel_CosineOneNoErrorFullAgreement()
    {
        var model = SampleModels.Classifier();

        var outputs = AccuracyEvaluator.Compare(model, model, ClassifierInputs(5), CancellationToken.None);

        var output = outputs.ShouldHaveSingleItem();
        output.Name.ShouldBe("probabilities");
        output.Cosine.ShouldBe(1.0, 1e-12);
        output.MinCosine.ShouldBe(1.0, 1e-12);
        output.MaxAbsError.ShouldBe(0.0);
        output.Top1Agreement.ShouldBe(1.0);
    }

    [Fact]
    public void Compare_ClassifierAndItsQdqCopy_CloseButNotExact()
    {
        var outputs = AccuracyEvaluator.Compare(SampleModels.Classifier(), SampleModels.ClassifierInt8Qdq(), ClassifierInputs(10), CancellationToken.None);

        var output = outputs.ShouldHaveSingleItem();
        output.Cosine.ShouldBeGreaterThan(0.99);
        output.MinCosine.ShouldBeLessThanOrEqualTo(output.Cosine);
        output.MaxAbsError.ShouldBeInRange(1e-6, 0.05);
        output.MeanAbsError.ShouldBeLessThanOrEqualTo(output.MaxAbsError);
        output.Top1Agreement.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(0.9);
    }

    [Fact]
    public void Compare_NoSamples_Throws()
    {
        Should.Throw<QuantizationException>(() => AccuracyEvaluator.Compare(SampleModels.Classifier(), SampleModels.Classifier(), [], CancellationToken.None))
            .Message.ShouldContain("no evaluation samples");
    }

    [Fact]
    public void Compare_CandidateWithoutTheOutput_Throws()
    {
        var other = new OnnxModelBuilder("other")
            .Input("input", OnnxElementType.Float, -1, 4)
            .Output("scores", OnnxElementType.Float, -1, 4)
            .Node("Relu", ["input"], ["scores"])
            .ToBytes();

        Should.Throw<QuantizationException>(() => AccuracyEvaluator.Compare(SampleModels.Classifier(), other, ClassifierInputs(1), CancellationToken.None))
            .Message.ShouldContain("lacks output 'probabilities'");
    }
}
