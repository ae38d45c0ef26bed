using EdgeAi.Common.Fleet;

namespace EdgeAi.Hub.Deployments;

/// <summary>
/// Which variant of a version a device is asked to run. A deployment that names a variant gets it;
/// "auto" (no preference) picks from the execution providers the device last reported: a GPU
/// provider (CUDA, DirectML) gets fp16 when the version has it, a device that reported only the CPU
/// gets int8 when the version has it; anything else, and a device that has not reported yet, fp32.
/// Providers are matched by ONNX Runtime's names (CUDAExecutionProvider) and by the short names the
/// agent reports (CUDA, DirectML, CPU: its Serving chain's names). Pure, so the choice is tested on its own.
/// </summary>
internal static class VariantChooser
{
    public const string Auto = "auto";

    public const string Cuda = "CUDAExecutionProvider";
    public const string DirectMl = "DmlExecutionProvider";
    public const string Cpu = "CPUExecutionProvider";

    /// <summary>What a deployment may ask for: auto or one of the variants.</summary>
    public static IReadOnlyList<string> Choices { get; } = [Auto, .. ModelVariants.All];

    /// <param name="preference">The deployment's variant, or null / "auto" to choose by provider.</param>
    /// <param name="available">The variants the version has (fp32 is assumed whether listed or not).</param>
    /// <param name="reportedProviders">The device's last reported execution providers; empty when unknown.</param>
    public static string Choose(string? preference, IReadOnlyCollection<string> available, IReadOnlyCollection<string> reportedProviders)
    {
        ArgumentNullException.ThrowIfNull(available);
        ArgumentNullException.ThrowIfNull(reportedProviders);
        if (preference is { Length: > 0 } and not Auto)
        {
            return preference;
        }
        return Class(reportedProviders) switch
        {
            ProviderClass.Gpu when available.Contains(ModelVariants.Fp16) => ModelVariants.Fp16,
            ProviderClass.Cpu when available.Contains(ModelVariants.Int8) => ModelVariants.Int8,
            _ => ModelVariants.Fp32,
        };
    }

    /// <summary>True when the two provider lists can lead auto to different variants (a change that needs a new desired revision).</summary>
    public static bool Differs(IReadOnlyCollection<string> before, IReadOnlyCollection<string> after) => Class(before) != Class(after);

    private static readonly HashSet<string> GpuProviders = new([Cuda, DirectMl, "CUDA", "DirectML", "TensorRT", "TensorrtExecutionProvider"], StringComparer.OrdinalIgnoreCase);
    private static readonly HashSet<string> CpuProviders = new([Cpu, "CPU"], StringComparer.OrdinalIgnoreCase);

    private static ProviderClass Class(IReadOnlyCollection<string> providers)
    {
        if (providers.Any(GpuProviders.Contains))
        {
            return ProviderClass.Gpu;
        }
        return providers.Count > 0 && providers.All(CpuProviders.Contains) ? ProviderClass.Cpu : ProviderClass.Unknown;
    }

    private enum ProviderClass
    {
        Unknown,
        Cpu,
        Gpu,
    }
}
