namespace EdgeAi.Quantization.Hardware;

/// <summary>The CPU's integer-dot-product features and the 8-bit form chosen for it, with why.</summary>
public sealed record HardwareProfile(string Architecture, bool Avx2, bool Avx512, bool Vnni, bool ArmDotProduct, ActivationType Activations, bool ReduceRange, string Reason);

public static class CpuFeatures
{
    /// <summary>This machine's profile.</summary>
    public static HardwareProfile Detect() => throw new NotImplementedException("issue 13: Qdq helper");
}
