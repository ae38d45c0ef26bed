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

    [Fact]
    public void FromOperatingSystem_ThisMachine_AgreesWithTheIntrinsics()
    {
        // The compiled (Native AOT) agent reads the OS, the JIT-compiled one the intrinsics: both must see the same CPU.
        var os = CpuFeatures.FromOperatingSystem();
        Assert.SkipWhen(os is null, "neither Linux nor Windows");
        os.ShouldBe(CpuFeatures.FromIntrinsics());
    }

    [Fact]
    public void FromCpuInfo_X64Flags_ReadsAvx2Avx512AndVnni()
    {
        string[] avx2Only = ["processor\t: 0", "vendor_id\t: AuthenticAMD", "flags\t\t: fpu sse sse2 avx avx2 fma bmi2", "bugs\t\t: sysret_ss_attrs"];
        string[] icelake = ["flags\t\t: avx avx2 avx512f avx512dq avx512bw avx512vl avx512_vnni"];
        string[] alderlake = ["flags\t\t: avx avx2 avx_vnni"];
        string[] vnniWithoutAvx512State = ["flags\t\t: avx avx2 avx512_vnni"];

        CpuFeatures.FromCpuInfo(Architecture.X64, avx2Only).ShouldBe(new CpuFeatureSet(Architecture.X64, true, false, false, false, false));
        CpuFeatures.FromCpuInfo(Architecture.X64, icelake).ShouldBe(new CpuFeatureSet(Architecture.X64, true, true, true, false, false));
        CpuFeatures.FromCpuInfo(Architecture.X64, alderlake).ShouldBe(new CpuFeatureSet(Architecture.X64, true, false, true, false, false));
        CpuFeatures.FromCpuInfo(Architecture.X64, vnniWithoutAvx512State).Vnni.ShouldBeFalse();
        CpuFeatures.Choose(CpuFeatures.FromCpuInfo(Architecture.X64, avx2Only)).ReduceRange.ShouldBeTrue();
    }

    [Fact]
    public void FromCpuInfo_Arm64Features_ReadsDotProduct()
    {
        string[] cortexA76 = ["processor\t: 0", "BogoMIPS\t: 108.00", "Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp"];
        string[] cortexA53 = ["Features\t: fp asimd evtstrm crc32 cpuid"];

        CpuFeatures.FromCpuInfo(Architecture.Arm64, cortexA76).ShouldBe(new CpuFeatureSet(Architecture.Arm64, false, false, false, true, true));
        CpuFeatures.FromCpuInfo(Architecture.Arm64, cortexA53).ArmDotProduct.ShouldBeFalse();
        CpuFeatures.FromCpuInfo(Architecture.Arm64, []).ShouldBe(new CpuFeatureSet(Architecture.Arm64, false, false, false, false, false));
    }
}
