namespace EdgeAi.Quantization;

/// <summary>How activation ranges are chosen from the calibration set.</summary>
public enum CalibrationMethod
{
    /// <summary>The smallest and largest value seen.</summary>
    MinMax,

    /// <summary>The range holding <see cref="QuantizationOptions.Percentile"/> percent of the values seen (|x|, symmetric histogram).</summary>
    Percentile,

    /// <summary>The threshold that minimises the KL divergence between the fp32 histogram and its quantized copy (TensorRT's method).</summary>
    Entropy,
}

/// <summary>The 8-bit type activations are quantized to (weights are always INT8, symmetric, per channel).</summary>
public enum ActivationType
{
    /// <summary>INT8 activations (S8S8): ONNX Runtime's first choice on x86 and ARM.</summary>
    Int8,

    /// <summary>UINT8 activations (U8S8).</summary>
    UInt8,
}

/// <summary>Everything a quantization run can be told; null means "choose for this machine" (see <c>Hardware/</c>).</summary>
public sealed class QuantizationOptions
{
    public CalibrationMethod Method { get; set; } = CalibrationMethod.MinMax;

    /// <summary>For <see cref="CalibrationMethod.Percentile"/>: the share of values (0–100) the range keeps.</summary>
    public double Percentile { get; set; } = 99.999;

    /// <summary>Histogram bins for Percentile and Entropy (memory per tensor is fixed by this, not by the set's size).</summary>
    public int HistogramBins { get; set; } = 2048;

    /// <summary>null: chosen from the CPU (see <c>CpuFeatures</c>).</summary>
    public ActivationType? Activations { get; set; }

    /// <summary>7-bit weights, so U8S8 kernels without VNNI cannot saturate; null: chosen from the CPU.</summary>
    public bool? ReduceRange { get; set; }

    /// <summary>One scale per output channel for Conv/Gemm/MatMul weights (off: one per tensor).</summary>
    public bool PerChannel { get; set; } = true;

    /// <summary>Node names that stay fp32 whatever the fallback decides.</summary>
    public IReadOnlySet<string> ExcludeNodes { get; set; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Budget: the largest drop of output cosine similarity (1 − cosine) allowed for any output; null: no budget.</summary>
    public double? MaxCosineDrop { get; set; }

    /// <summary>Budget: the smallest top-1 agreement (0–1) allowed for a classifier output; null: no budget.</summary>
    public double? MinTop1Agreement { get; set; }

    /// <summary>Samples (taken from the end of the set) kept out of calibration to measure accuracy on.</summary>
    public int EvaluationSamples { get; set; } = 20;

    /// <summary>The most calibration samples read (the rest are not used).</summary>
    public int MaxCalibrationSamples { get; set; } = 500;

    /// <summary>Skip the fp32-vs-int8 timing on this machine (tests).</summary>
    public bool SkipSpeedCheck { get; set; }
}
