using EdgeAi.Agent.Pipelines;
using EdgeAi.Common.Inference;
using EdgeAi.Serving.Runtime;

namespace EdgeAi.Agent.Tests.Pipelines;

public sealed class ModelFitTests
{
    private static readonly TensorSpec ImageNchw = new("data", TensorDatatype.Fp32, [-1, 3, 224, 224]);
    private static readonly TensorSpec Probabilities = new("prob", TensorDatatype.Fp32, [-1, 1000]);

    private static PipelineOptions Pipeline(Action<PipelineOptions>? change = null)
    {
        var p = new PipelineOptions { Model = "resnet", Resize = new ResizeOptions { Width = 224, Height = 224 } };
        change?.Invoke(p);
        return p;
    }

    [Fact]
    public void Fit_MatchingModel_PlansTheTensorAndTheScoreOutput()
    {
        var plan = ModelFit.Fit("cats", Pipeline(), [ImageNchw], [Probabilities], labels: 1000);

        plan.Input.ShouldBe("data");
        plan.InputShape.ShouldBe([1L, 3, 224, 224]);
        plan.Scores!.Name.ShouldBe("prob");
        plan.Classes.ShouldBe(1000);
    }

    [Fact]
    public void Fit_WrongLayout_NamesTheModelInputAndWhatThePipelineMakes()
    {
        var error = Should.Throw<PipelineMisfitException>(() => ModelFit.Fit("cats", Pipeline(p => p.Normalize.Layout = TensorLayout.Nhwc), [ImageNchw], [Probabilities], null));

        error.Message.ShouldBe("model 'resnet' input 'data' (FP32 [-1,3,224,224]) does not take the image tensor: Pipelines:cats makes FP32 [1,224,224,3] (NHWC, Resize 224 × 224)");
    }

    [Fact]
    public void Fit_WrongSize_IsRefused()
    {
        Should.Throw<PipelineMisfitException>(() => ModelFit.Fit("cats", Pipeline(p => p.Resize.Width = 256), [ImageNchw], [Probabilities], null))
            .Message.ShouldContain("Resize 256 × 224");
    }

    [Fact]
    public void Fit_WrongDatatype_SaysWhichToSet()
    {
        Should.Throw<PipelineMisfitException>(() => ModelFit.Fit("cats", Pipeline(p => p.Normalize.Datatype = PixelDatatype.Fp16), [ImageNchw], [Probabilities], null))
            .Message.ShouldContain("set Normalize:Datatype to FP32");
    }

    [Fact]
    public void Fit_DynamicSpatialDimensions_TakeAnySize()
    {
        var plan = ModelFit.Fit("cats", Pipeline(p => p.Resize.Width = 320), [new TensorSpec("x", TensorDatatype.Fp32, [-1, 3, -1, -1])], [Probabilities], null);

        plan.InputShape.ShouldBe([1L, 3, 224, 320]);
    }

    [Fact]
    public void Fit_LabelsFileOfTheWrongLength_IsRefused()
    {
        Should.Throw<PipelineMisfitException>(() => ModelFit.Fit("cats", Pipeline(), [ImageNchw], [Probabilities], labels: 999))
            .Message.ShouldBe("Pipelines:cats:Post:LabelsFile has 999 labels, but model 'resnet' output 'prob' (FP32 [-1,1000]) scores 1000 classes");
    }

    [Fact]
    public void Fit_TwoInputs_IsRefused()
    {
        Should.Throw<PipelineMisfitException>(() => ModelFit.Fit("cats", Pipeline(), [ImageNchw, new TensorSpec("scale", TensorDatatype.Fp32, [1])], [Probabilities], null))
            .Message.ShouldContain("a pipeline feeds one image tensor");
    }

    [Fact]
    public void Fit_ScoreOutputThatIsNoScores_IsRefused()
    {
        Should.Throw<PipelineMisfitException>(() => ModelFit.Fit("cats", Pipeline(), [ImageNchw], [new TensorSpec("boxes", TensorDatatype.Int64, [-1, 4])], null))
            .Message.ShouldContain("holds no scores");
    }

    [Fact]
    public void Fit_PostOff_NeedsNoScoreOutput()
    {
        var plan = ModelFit.Fit("cats", Pipeline(p => p.Post.Enabled = false), [ImageNchw], [new TensorSpec("boxes", TensorDatatype.Int64, [-1, 4])], null);

        plan.Scores.ShouldBeNull();
    }
}
