using System.Runtime.InteropServices;
using EdgeAi.Quantization.Hardware;

namespace EdgeAi.Quantization.Tests.Hardware;

public sealed class HardwareProfileTests
{
    [Fact]
    public void Choose_Avx2WithoutVnni_ReducesRange()
    {
        var profile = CpuFeatures.Choose(new CpuFeatureSet(Architecture.X64, Avx2: true, Avx512: false, Vnni: false, ArmAdvSimd: false, ArmDotProduct: false));

        profile.ReduceRange.ShouldBeTrue();
        profile.Activations.ShouldBe(ActivationType.UInt8);
        profile.Reason.ShouldContain("saturate");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Choose_X64WithVnni_FullRange(bool avx512)
    {
        var profile = CpuFeatures.Choose(new CpuFeatureSet(Architecture.X64, true, avx512, Vnni: true, false, false));

        profile.ReduceRange.ShouldBeFalse();
        profile.Vnni.ShouldBeTrue();
        profile.Avx512.ShouldBe(avx512);
        profile.Reason.ShouldContain("VNNI");
        profile.Activations.ShouldBe(ActivationType.UInt8);
    }

    [Fact]
    public void Choose_ArmWithDotProduct_FullRangeInt8()
    {
        var profile = CpuFeatures.Choose(new CpuFeatureSet(Architecture.Arm64, false, false, false, ArmAdvSimd: true, ArmDotProduct: true));

        profile.Architecture.ShouldBe("arm64");
        profile.ArmDotProduct.ShouldBeTrue();
        profile.ReduceRange.ShouldBeFalse();
        profile.Activations.ShouldBe(ActivationType.Int8);
    }

    [Fact]
    public void Detect_ThisMachine_MatchesWhatTheRuntimeReports()
    {
        var profile = CpuFeatures.Detect();

        profile.Architecture.ShouldBe(RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant());
        profile.Avx2.ShouldBe(System.Runtime.Intrinsics.X86.Avx2.IsSupported);
        profile.Reason.ShouldNotBeNullOrWhiteSpace();
        // What /proc/cpuinfo says on Linux x64 must agree with CPUID as read through the runtime.
        if (OperatingSystem.IsLinux() && File.Exists("/proc/cpuinfo") && RuntimeInformation.ProcessArchitecture == Architecture.X64)
        {
            var flags = File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("flags", StringComparison.Ordinal)).Split(' ');
            profile.Vnni.ShouldBe(flags.Contains("avx512_vnni") || flags.Contains("avx_vnni"));
            profile.ReduceRange.ShouldBe(profile.Avx2 && !profile.Vnni);
        }
    }
}
