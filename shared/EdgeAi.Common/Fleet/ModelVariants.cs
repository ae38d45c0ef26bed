namespace EdgeAi.Common.Fleet;

/// <summary>
/// The artifacts one registered model version can have: fp32 (what was pushed; always there, the
/// default), int8 (quantized, for CPUs) and fp16 (for GPUs). Empty on the wire means fp32, which is
/// what hubs and agents that predate variants send.
/// </summary>
public static class ModelVariants
{
    public const string Fp32 = "fp32";
    public const string Int8 = "int8";
    public const string Fp16 = "fp16";

    public static IReadOnlyList<string> All { get; } = [Fp32, Int8, Fp16];

    public static bool IsKnown(string? variant) => variant is Fp32 or Int8 or Fp16;

    /// <summary>True for fp32 and for the empty string (the wire's fp32).</summary>
    public static bool IsDefault(string? variant) => string.IsNullOrEmpty(variant) || variant == Fp32;

    /// <summary>The variant a wire value names: empty becomes fp32.</summary>
    public static string Normalize(string? variant) => string.IsNullOrEmpty(variant) ? Fp32 : variant;
}
