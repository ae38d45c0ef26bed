using EdgeAi.Common.Onnx;
using EdgeAi.Quantization.Accuracy;
using EdgeAi.Quantization.Tests.Calibration;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAi.Quantization.Tests.Quantizer;

/// <summary>
/// The orchestrator's own checks run on any branch; the end-to-end tests (marked "needs the QDQ rewrite") call
/// QdqQuantizer.Plan/Apply and CpuFeatures.Detect and pass once those are in.
/// </summary>
public sealed class ModelQuantizerTests
{
    private static readonly QuantizationOptions Fast = new() { SkipSpeedCheck = true };

    /// <summary>A small convolutional net: Conv 3→8 (3×3) + Relu, Conv 8→4 (1×1), global average pool, flatten, Gemm 4→5 classes.</summary>
    [Fact]
    public void Quantize_NotAModel_ThrowsQuantizationException()
    {
        Should.Throw<QuantizationException>(() => ModelQuantizer.Quantize([1, 2, 3, 4], new GeneratedSource(3, _ => null!), Fast, null, CancellationToken.None))
            .Message.ShouldStartWith("the model cannot be quantized");
    }

    [Fact]
    public void Quantize_AlreadyQuantizedModel_Throws()
    {
        Should.Throw<QuantizationException>(() =>
            ModelQuantizer.Quantize(SampleModels.ClassifierInt8Qdq(), new GeneratedSource(3, _ => null!), Fast, null, CancellationToken.None))
            .Message.ShouldContain("already quantized");
    }

    [Fact]
    public void Quantize_Fp16Model_Throws()
    {
        var fp16 = new OnnxModelBuilder("half")
            .Input("x", OnnxElementType.Float16, -1, 4)
            .Output("y", OnnxElementType.Float16, -1, 4)
            .Node("Relu", ["x"], ["y"])
            .ToBytes();

        Should.Throw<QuantizationException>(() => ModelQuantizer.Quantize(fp16, new GeneratedSource(3, _ => null!), Fast, null, CancellationToken.None))
            .Message.ShouldContain("tensor 'x' is FP16");
    }

    [Fact]
    public void Quantize_EmptySet_ThrowsBeforeAnyWork()
    {
        Should.Throw<QuantizationException>(() =>
            ModelQuantizer.Quantize(TestSets.DoubleRelu(), new GeneratedSource(0, _ => null!), Fast, null, CancellationToken.None))
            .Message.ShouldStartWith("the calibration set is empty");
    }

    [Fact]
    public void Quantize_BudgetOutOfRange_Throws()
    {
        Should.Throw<QuantizationException>(() => ModelQuantizer.Quantize(
            TestSets.DoubleRelu(), new GeneratedSource(3, _ => null!), new QuantizationOptions { MinTop1Agreement = 1.5 }, null, CancellationToken.None))
            .Message.ShouldContain("top-1 agreement 1.5 is out of range");
    }

    [Fact]
    public void Optimize_ConvWithBatchNorm_FoldsTheBatchNorm()
    {
        var model = new OnnxModelBuilder("conv_bn")
            .Input("x", OnnxElementType.Float, 1, 2, 4, 4)
            .Output("y", OnnxElementType.Float, 1, 2, 4, 4)
            .Initializer("w", [1f, 0f, 0f, 1f], 2, 2, 1, 1)
            .Initializer("scale", [2f, 3f], 2)
            .Initializer("bias", [0.5f, -0.5f], 2)
            .Initializer("mean", [0.1f, 0.2f], 2)
            .Initializer("var", [1f, 4f], 2)
            .Node("Conv", ["x", "w"], ["c"])
            .Node("BatchNormalization", ["c", "scale", "bias", "mean", "var"], ["y"])
            .ToBytes();

        var optimized = Common.Onnx.Proto.ModelProto.Parser.ParseFrom(GraphOptimizer.Optimize(model));

        optimized.Graph.Node.Select(n => n.OpType).ShouldBe(["Conv"]);
    }

    [Fact]
    public void Measure_SmallModel_MedianOfTheRuns()
    {
        var sample = TestSets.Sample("s", "input", TestSets.Floats([0.5f, -1f, 1f, 2f], 1, 4));

        var speed = SpeedMeter.Measure(SampleModels.Classifier(), SampleModels.ClassifierInt8Qdq(), sample, TimeProvider.System, runs: 5, TestContext.Current.CancellationToken);

        speed.Runs.ShouldBe(5);
        speed.Fp32P50Ms.ShouldBeGreaterThan(0);
        speed.Int8P50Ms.ShouldBeGreaterThan(0);
        speed.Ratio.ShouldBe(speed.Int8P50Ms / speed.Fp32P50Ms);
    }

    // Needs the QDQ rewrite (QdqQuantizer.Plan/Apply, CpuFeatures.Detect).
    [Fact]
    public void Quantize_SmallConvNetOnPhotos_ReportsAndTheModelLoads()
    {
        var progress = new List<string>();
        var source = PhotoSamples.Source("image", 16, PhotoSamples.Photos);
        var options = new QuantizationOptions { Method = CalibrationMethod.Percentile, EvaluationSamples = 4 };

        var result = ModelQuantizer.Quantize(SampleModels.ConvClassifier(), source, options, new Collector(progress), CancellationToken.None);

        result.Report.CalibrationSamples.ShouldBe(8);
        result.Report.EvaluationSamples.ShouldBe(4);
        result.Report.QuantizedNodes.ShouldBeGreaterThanOrEqualTo(3);
        result.Report.BudgetMet.ShouldBeTrue();
        result.Report.Speed.ShouldNotBeNull().Runs.ShouldBe(SpeedMeter.DefaultRuns);
        var scores = result.Report.Outputs.ShouldHaveSingleItem();
        scores.Name.ShouldBe("scores");
        scores.Cosine.ShouldBeGreaterThan(0.95);
        scores.Top1Agreement.ShouldNotBeNull();
        progress.ShouldContain(line => line.StartsWith("calibrated:", StringComparison.Ordinal));
        using var session = new InferenceSession(result.Model);
        session.InputNames.ShouldBe(["image"]);
    }

    // Needs the QDQ rewrite.
    [Fact]
    public void Quantize_BudgetNoModelMeets_ThrowsNamingTheBestReached()
    {
        var source = PhotoSamples.Source("image", 16, PhotoSamples.Photos);
        var options = new QuantizationOptions { EvaluationSamples = 4, MaxCosineDrop = 0, SkipSpeedCheck = true };

        Should.Throw<QuantizationException>(() => ModelQuantizer.Quantize(SampleModels.ConvClassifier(), source, options, null, CancellationToken.None))
            .Message.ShouldContain("the accuracy budget (cosine drop ≤ 0) cannot be met");
    }

    // Needs the QDQ rewrite. ResNet18 with real photos: 8 calibrate, 4 held out.
    [Fact]
    public void Quantize_ResNet18OnPhotos_HeldOutCosineAtLeast098()
    {
        var model = File.ReadAllBytes(PhotoSamples.ResNet18Path);
        var input = OnnxModelReader.Read(model).Inputs[0].Name;
        var options = new QuantizationOptions { EvaluationSamples = 4, SkipSpeedCheck = true };

        var result = ModelQuantizer.Quantize(model, PhotoSamples.Source(input, 224, PhotoSamples.Photos), options, null, CancellationToken.None);

        result.Report.EvaluationSamples.ShouldBe(4);
        result.Report.Outputs.ShouldAllBe(o => o.Cosine >= 0.98);
        result.Report.Outputs.ShouldAllBe(o => o.Top1Agreement == null);
        result.Model.Length.ShouldBeLessThan(model.Length / 2);
        using var session = new InferenceSession(result.Model);
        session.OutputNames.Count.ShouldBe(OnnxModelReader.Read(model).Outputs.Count);
    }

    private sealed class Collector(List<string> lines) : IProgress<string>
    {
        public void Report(string value) => lines.Add(value);
    }
}
