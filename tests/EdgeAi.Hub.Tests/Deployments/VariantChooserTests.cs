using EdgeAi.Hub.Deployments;

namespace EdgeAi.Hub.Tests.Deployments;

public sealed class VariantChooserTests
{
    private static readonly string[] All = ["int8", "fp16"];

    [Theory]
    [InlineData(new[] { "CUDAExecutionProvider", "CPUExecutionProvider" }, "fp16")]
    [InlineData(new[] { "DmlExecutionProvider" }, "fp16")]
    [InlineData(new[] { "CPUExecutionProvider" }, "int8")]
    [InlineData(new[] { "CUDA", "CPU" }, "fp16")]
    [InlineData(new[] { "DirectML" }, "fp16")]
    [InlineData(new[] { "CPU" }, "int8")]
    [InlineData(new string[0], "fp32")]
    [InlineData(new[] { "OpenVINOExecutionProvider" }, "fp32")]
    public void Choose_Auto_ByReportedProviders(string[] providers, string expected) =>
        VariantChooser.Choose("auto", All, providers).ShouldBe(expected);

    [Theory]
    [InlineData(new[] { "CUDAExecutionProvider" }, new[] { "int8" }, "fp32")]
    [InlineData(new[] { "CPUExecutionProvider" }, new[] { "fp16" }, "fp32")]
    [InlineData(new[] { "CPUExecutionProvider" }, new string[0], "fp32")]
    public void Choose_AutoVariantMissing_FallsBackToFp32(string[] providers, string[] available, string expected) =>
        VariantChooser.Choose(null, available, providers).ShouldBe(expected);

    [Theory]
    [InlineData("fp32")]
    [InlineData("int8")]
    [InlineData("fp16")]
    public void Choose_DeploymentNamesVariant_ThatVariantWhateverTheProviders(string pinned)
    {
        VariantChooser.Choose(pinned, All, ["CUDAExecutionProvider"]).ShouldBe(pinned);
        VariantChooser.Choose(pinned, All, ["CPUExecutionProvider"]).ShouldBe(pinned);
        VariantChooser.Choose(pinned, All, []).ShouldBe(pinned);
    }

    [Fact]
    public void Differs_ProviderClassChanges_TrueOnlyThen()
    {
        VariantChooser.Differs([], ["CPUExecutionProvider"]).ShouldBeTrue();
        VariantChooser.Differs(["CPUExecutionProvider"], ["CUDAExecutionProvider", "CPUExecutionProvider"]).ShouldBeTrue();
        VariantChooser.Differs(["CUDAExecutionProvider"], ["DmlExecutionProvider", "CPUExecutionProvider"]).ShouldBeFalse();
        VariantChooser.Differs(["CPUExecutionProvider"], ["CPUExecutionProvider"]).ShouldBeFalse();
    }
}
