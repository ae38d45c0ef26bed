using EdgeAi.Hub.Cli;
using EdgeAi.Quantization;

namespace EdgeAi.Hub.Tests.Cli;

public sealed class QuantizeStepTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-quantize-cli-").FullName;

    [Fact]
    public void Options_FromFlags_MethodBudgetsAndExcludes()
    {
        var options = QuantizeStep.Options(new QuantizeRequest(new DirectoryInfo(_dir), null, "entropy", 0.01, 0.98, ["Conv_0,Conv_3", "Gemm_9"]));

        options.Method.ShouldBe(CalibrationMethod.Entropy);
        options.MaxCosineDrop.ShouldBe(0.01);
        options.MinTop1Agreement.ShouldBe(0.98);
        options.ExcludeNodes.ShouldBe(["Conv_0", "Conv_3", "Gemm_9"], ignoreOrder: true);
    }

    [Theory]
    [InlineData("kl", null, null, "--method 'kl' is unknown: use minmax, percentile, entropy")]
    [InlineData(null, 1.5, null, "--max-cosine-drop 1.5 must be from 0 to 1")]
    [InlineData(null, null, -0.1, "--min-top1-agreement -0.1 must be from 0 to 1")]
    public void Options_BadFlag_NamesItAndWhatItMustBe(string? method, double? cosine, double? top1, string expected)
    {
        var error = Should.Throw<AdminCommandException>(() => QuantizeStep.Options(new QuantizeRequest(new DirectoryInfo(_dir), null, method, cosine, top1, [])));

        error.Message.ShouldStartWith(expected);
    }

    [Fact]
    public void Preprocessing_PreprocessFile_ReadAsTheQuantizerTakesIt()
    {
        var file = Path.Combine(_dir, "preprocess.json");
        File.WriteAllText(file, """{"width":224,"height":224,"letterbox":false,"fill":0,"scale":0.00392157,"mean":[0.485,0.456,0.406],"std":[0.229,0.224,0.225],"bgr":false,"nhwc":false,"input":"data"}""");

        var images = QuantizeStep.Preprocessing(new FileInfo(file))!;

        images.Width.ShouldBe(224);
        images.Mean.ShouldBe([0.485f, 0.456f, 0.406f]);
        images.Input.ShouldBe("data");
    }

    [Fact]
    public void Preprocessing_NotJson_RefusedNamingTheFile()
    {
        var file = Path.Combine(_dir, "preprocess.json");
        File.WriteAllText(file, "width: 224");

        var error = Should.Throw<AdminCommandException>(() => QuantizeStep.Preprocessing(new FileInfo(file)));

        error.Message.ShouldStartWith("--preprocess: ");
        error.Message.ShouldContain($"{file}: not valid pre-processing JSON");
    }

    [Fact]
    public void Preprocessing_MissingFile_RefusedNamingIt()
    {
        var file = Path.Combine(_dir, "absent.json");

        var error = Should.Throw<AdminCommandException>(() => QuantizeStep.Preprocessing(new FileInfo(file)));

        error.Message.ShouldBe($"--preprocess: pre-processing file {file} does not exist");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
