using EdgeAi.Common.Onnx;
using EdgeAi.Serving.Runtime;

namespace EdgeAi.Serving.Tests.Runtime;

public sealed class SessionFactoryTests
{
    [Fact]
    public void Create_DefaultChainWithoutGpuProviders_FallsThroughToCpuWithReasons()
    {
        using var dir = new TempDirectory();
        var model = dir.Write("m.onnx", SampleModels.Classifier());
        var factory = Hosts.Sessions(Hosts.CpuOptions());

        var created = factory.Create(model, "m");
        using (created.Session)
        using (created.Options)
        {
            factory.Chain.ShouldBe(["DirectML", "CUDA", "CPU"]);
            created.ExecutionProvider.ShouldBe("CPU");
            created.SkippedProviders.Select(s => s.Provider).ShouldBe(["DirectML", "CUDA"]);
            created.SkippedProviders.ShouldAllBe(s => s.Reason.Length > 0);
        }
    }

    [Fact]
    public void Chain_WithoutCpu_AppendsCpu()
    {
        var factory = Hosts.Sessions(Hosts.CpuOptions("cuda", "OpenVINO"));

        factory.Chain.ShouldBe(["CUDA", "OpenVINO", "CPU"]);
    }

    [Fact]
    public void Create_CorruptModel_ThrowsWithOnnxRuntimeReason()
    {
        using var dir = new TempDirectory();
        var model = dir.Write("bad.onnx", [1, 2, 3, 4, 5, 6, 7, 8]);

        var error = Should.Throw<ModelLoadException>(() => Hosts.Sessions(Hosts.CpuOptions("CPU")).Create(model, "bad"));

        error.Message.ShouldStartWith("ONNX Runtime cannot load the model");
    }

    [Fact]
    public void Validate_UnknownProvider_NamesItAndTheKnownOnes()
    {
        var options = Hosts.CpuOptions("TPU", "CPU");

        var result = new ModelHostOptionsValidator().Validate(null, options);

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("Unknown execution provider 'TPU'");
        result.FailureMessage.ShouldContain("DirectML");
    }

    [Fact]
    public void Validate_RequestLimitTooSmall_Fails()
    {
        var options = Hosts.CpuOptions("CPU");
        options.MaxRequestBytes = 10;

        new ModelHostOptionsValidator().Validate(null, options).Failed.ShouldBeTrue();
    }
}
