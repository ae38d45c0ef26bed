using EdgeAi.Agent.Pipelines;

namespace EdgeAi.Agent.Tests.Pipelines;

public sealed class PipelinesOptionsValidatorTests : IDisposable
{
    private readonly string _data = Directory.CreateTempSubdirectory("edgeai-pipelines-").FullName;

    public void Dispose() => Directory.Delete(_data, recursive: true);

    private List<string> Errors(Action<PipelineOptions> change, string name = "cats")
    {
        var p = new PipelineOptions { Model = "resnet", Resize = new ResizeOptions { Width = 224, Height = 224 } };
        change(p);
        return [.. PipelinesOptionsValidator.Check(name, p, _data)];
    }

    [Fact]
    public void Check_ValidPipeline_HasNoErrors()
    {
        File.WriteAllLines(Path.Combine(_data, "labels.txt"), ["cat", "dog"]);

        Errors(p => p.Post.LabelsFile = "labels.txt").ShouldBeEmpty();
    }

    [Fact]
    public void Check_MissingModelAndSize_NameTheSettings()
    {
        var errors = Errors(p => (p.Model, p.Resize.Width, p.Resize.Height) = ("", 0, 9000));

        errors.ShouldContain("Pipelines:cats:Model is missing: name the model the image tensor goes to.");
        errors.ShouldContain(e => e.StartsWith("Pipelines:cats:Resize:Width is 0;", StringComparison.Ordinal));
        errors.ShouldContain(e => e.StartsWith("Pipelines:cats:Resize:Height is 9000;", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_ModelNamedLikeThePipeline_IsRefused()
    {
        Errors(p => p.Model = "cats").ShouldHaveSingleItem().ShouldContain("the pipeline's own name");
    }

    [Fact]
    public void Check_MeanOfTwoValuesAndZeroStd_AreRefused()
    {
        var errors = Errors(p => (p.Normalize.Mean, p.Normalize.Std) = ([1f, 2f], [0f]));

        errors.ShouldContain(e => e.StartsWith("Pipelines:cats:Normalize:Mean has 2 values", StringComparison.Ordinal));
        errors.ShouldContain(e => e.StartsWith("Pipelines:cats:Normalize:Std has 1 values", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_UInt8WithNormalization_IsRefused()
    {
        Errors(p => (p.Normalize.Datatype, p.Normalize.Scale) = (PixelDatatype.UInt8, 1f / 255)).ShouldHaveSingleItem().ShouldContain("a UINT8 tensor carries the pixels as they are");
    }

    [Fact]
    public void Check_MissingLabelsFile_NamesThePath()
    {
        Errors(p => p.Post.LabelsFile = "nowhere.txt").ShouldHaveSingleItem().ShouldStartWith($"Pipelines:cats:Post:LabelsFile '{Path.Combine(_data, "nowhere.txt")}' cannot be used:");
    }

    [Fact]
    public void Check_BadLimitsAndFill_AreRefused()
    {
        var errors = Errors(p => (p.Limits.MaxPixels, p.Limits.MaxEncodedBytes, p.Resize.Fill) = (0, 0, 300));

        errors.Count.ShouldBe(3);
        errors.ShouldContain(e => e.StartsWith("Pipelines:cats:Limits:MaxPixels is 0;", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_BadPipelineName_IsRefused()
    {
        Errors(_ => { }, name: "../cats").ShouldHaveSingleItem().ShouldContain("is not a pipeline name");
    }
}
