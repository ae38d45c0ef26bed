using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeAi.Quantization.Hardware;

/// <summary>The CPU's integer-dot-product features and the 8-bit form chosen for it, with why.</summary>
public sealed record HardwareProfile(string Architecture, bool Avx2, bool Avx512, bool Vnni, bool ArmDotProduct, ActivationType Activations, bool ReduceRange, string Reason);

/// <summary>What the CPU offers for 8-bit matrix products, as read by <see cref="CpuFeatures.Detect"/> (or written by a test).</summary>
/// <param name="Avx512">AVX-512 F, BW and VL together (what ONNX Runtime's AVX-512 integer kernels need).</param>
/// <param name="Vnni">AVX512_VNNI or AVX-VNNI: 8-bit dot products that accumulate into 32 bits.</param>
/// <param name="ArmDotProduct">ARMv8.2 SDOT/UDOT.</param>
public sealed record CpuFeatureSet(Architecture Architecture, bool Avx2, bool Avx512, bool Vnni, bool ArmAdvSimd, bool ArmDotProduct);

public static partial class CpuFeatures
{
    /// <summary>This machine's profile.</summary>
    public static HardwareProfile Detect() => Choose(Read());

    /// <summary>
    /// This machine's features. A JIT-compiled process asks the runtime's intrinsics, which read CPUID and what the OS
    /// enabled. Ahead-of-time code cannot: there <c>Avx2.IsSupported</c> and the like are constants of the instruction
    /// sets the binary was compiled for (x86-64-v2, ARMv8.0), false on a CPU that has them, which would quantize with full
    /// 8-bit weights on AVX2 machines where they saturate. So compiled code asks the OS (<see cref="FromOperatingSystem"/>).
    /// </summary>
    public static CpuFeatureSet Read() =>
        RuntimeFeature.IsDynamicCodeCompiled ? FromIntrinsics() : FromOperatingSystem() ?? FromIntrinsics();

    /// <summary>From the runtime's intrinsics support (which already accounts for what the OS enables).</summary>
    public static CpuFeatureSet FromIntrinsics()
    {
        var architecture = RuntimeInformation.ProcessArchitecture;
        var avx512 = Avx512F.IsSupported && Avx512F.VL.IsSupported && Avx512BW.IsSupported && Avx512BW.VL.IsSupported;
        // .NET exposes AVX-VNNI (VEX) but no class for AVX512_VNNI: CPUID leaf 7 reports it (ECX bit 11); it is
        // usable only where the OS enabled the AVX-512 state, which Avx512F.IsSupported already says.
        var avx512Vnni = avx512 && X86Base.IsSupported && (X86Base.CpuId(7, 0).Ecx & (1 << 11)) != 0;
        return new CpuFeatureSet(
            architecture,
            Avx2.IsSupported,
            avx512,
            avx512Vnni || AvxVnni.IsSupported || Avx10v1.IsSupported,
            AdvSimd.IsSupported,
            Dp.IsSupported);
    }

    /// <summary>
    /// From what the OS reports: on Linux the <c>flags</c> (x86) or <c>Features</c> (ARM) line of /proc/cpuinfo, which
    /// the kernel writes only for features whose register state it enabled; on Windows IsProcessorFeaturePresent, with
    /// CPUID for VNNI (Windows has no constant for it) under the AVX state Windows reports. Null where neither applies.
    /// </summary>
    public static CpuFeatureSet? FromOperatingSystem()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                return FromCpuInfo(RuntimeInformation.ProcessArchitecture, File.ReadLines("/proc/cpuinfo"));
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }
        return OperatingSystem.IsWindows() ? FromWindows(RuntimeInformation.ProcessArchitecture) : null;
    }

    /// <summary>The features /proc/cpuinfo lists (the first processor's line; Linux lists only what every core has enabled).</summary>
    public static CpuFeatureSet FromCpuInfo(Architecture architecture, IEnumerable<string> cpuinfo)
    {
        ArgumentNullException.ThrowIfNull(cpuinfo);
        var x86 = architecture is Architecture.X64 or Architecture.X86;
        var key = x86 ? "flags" : "Features";
        var line = cpuinfo.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal) && l.AsSpan(key.Length).TrimStart().StartsWith(":"));
        var flags = line is null ? [] : line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        if (!x86)
        {
            return new CpuFeatureSet(architecture, false, false, false, flags.Contains("asimd"), flags.Contains("asimddp"));
        }
        var avx512 = flags.Contains("avx512f") && flags.Contains("avx512bw") && flags.Contains("avx512vl");
        var vnni = (avx512 && flags.Contains("avx512_vnni")) || flags.Contains("avx_vnni");
        return new CpuFeatureSet(architecture, flags.Contains("avx2"), avx512, vnni, false, false);
    }

    private static CpuFeatureSet? FromWindows(Architecture architecture)
    {
        const uint avx2Available = 40, avx512FAvailable = 41, armV82DotProductAvailable = 43;
        if (architecture is Architecture.Arm64)
        {
            return new CpuFeatureSet(architecture, false, false, false, ArmAdvSimd: true, IsProcessorFeaturePresent(armV82DotProductAvailable));
        }
        if (architecture is not (Architecture.X64 or Architecture.X86) || !X86Base.IsSupported)
        {
            return null;
        }
        var avx2 = IsProcessorFeaturePresent(avx2Available);
        var leaf7 = X86Base.CpuId(7, 0);
        // AVX512F reported by Windows; BW (EBX 30) and VL (EBX 31) from CPUID under that state.
        var avx512 = IsProcessorFeaturePresent(avx512FAvailable) && (leaf7.Ebx & (1 << 30)) != 0 && (leaf7.Ebx & (1 << 31)) != 0;
        var avx512Vnni = avx512 && (leaf7.Ecx & (1 << 11)) != 0;
        var avxVnni = avx2 && (X86Base.CpuId(7, 1).Eax & (1 << 4)) != 0;
        return new CpuFeatureSet(architecture, avx2, avx512, avx512Vnni || avxVnni, false, false);
    }

    [LibraryImport("kernel32.dll")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.System32)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool IsProcessorFeaturePresent(uint feature);

    /// <summary>
    /// The 8-bit form for these features. On x86, UINT8 activations (U8S8): ONNX Runtime's x86 CPU kernels are U8S8 and
    /// it rewrites S8 activation Q/DQ pairs to U8 at load (QDQS8ToU8Transformer), but not a pair whose Q feeds several
    /// consumers (every residual branch), which then stays unfused: measured with ORT 1.31 on this machine. On ARM,
    /// INT8 activations (S8S8). 7-bit weights only on x86 with AVX2 but no VNNI, where the U8S8 kernels add pairs of
    /// 8-bit products in 16 bits and can saturate.
    /// </summary>
    public static HardwareProfile Choose(CpuFeatureSet features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var name = features.Architecture.ToString().ToLowerInvariant();
        var (reduceRange, reason) = features.Architecture switch
        {
            Architecture.X64 or Architecture.X86 when features.Vnni =>
                (false, $"{(features.Avx512 ? "AVX-512 " : "")}VNNI accumulates 8-bit products in 32 bits, so full 8-bit weights cannot saturate"),
            Architecture.X64 or Architecture.X86 when features.Avx2 =>
                (true, "AVX2 without VNNI adds pairs of 8-bit products in 16 bits (vpmaddubsw), which can saturate: weights use 7 bits"),
            Architecture.X64 or Architecture.X86 =>
                (false, "no AVX2: ONNX Runtime's SSE kernels widen to 16 bits before multiplying, so full 8-bit weights are exact"),
            Architecture.Arm64 when features.ArmDotProduct =>
                (false, "ARM dot-product instructions (SDOT) accumulate 8-bit products in 32 bits, so full 8-bit weights cannot saturate"),
            Architecture.Arm64 or Architecture.Arm =>
                (false, "ARM NEON widens 8-bit products to 16 bits and accumulates in 32 bits, so full 8-bit weights are exact"),
            _ => (false, $"no tuned 8-bit kernels known for {name}: the portable kernels accumulate in 32 bits"),
        };
        var x86 = features.Architecture is Architecture.X64 or Architecture.X86;
        var activations = x86 ? ActivationType.UInt8 : ActivationType.Int8;
        reason = x86
            ? $"{reason}; UINT8 activations, the form ONNX Runtime's x86 kernels run (S8 activations are rewritten to U8 at load, and shared tensors then miss fusion)"
            : $"{reason}; INT8 activations (S8S8), ONNX Runtime's form on ARM";
        return new HardwareProfile(name, features.Avx2, features.Avx512, features.Vnni, features.ArmDotProduct, activations, reduceRange, reason);
    }
}
