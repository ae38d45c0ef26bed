using EdgeAi.Quantization.Hardware;

namespace EdgeAi.Quantization.Accuracy;

/// <summary>How one output of the quantized model compares with fp32 over the evaluation samples.</summary>
/// <param name="Cosine">Mean cosine similarity over the samples.</param>
/// <param name="MinCosine">The worst sample's cosine similarity.</param>
/// <param name="Top1Agreement">Share of samples whose argmax over the last axis agrees; null when the output is not a score vector.</param>
public sealed record OutputAccuracy(string Name, double Cosine, double MinCosine, double MaxAbsError, double MeanAbsError, double? Top1Agreement);

/// <summary>fp32 and int8 timed on this machine, same threads, batch 1.</summary>
public sealed record SpeedCheck(double Fp32P50Ms, double Int8P50Ms, int Runs)
{
    public double Ratio => Fp32P50Ms <= 0 ? 0 : Int8P50Ms / Fp32P50Ms;
}

/// <summary>What a quantization run did and what it cost in accuracy: stored beside the int8 variant, shown by the CLI and the dashboard.</summary>
public sealed record AccuracyReport
{
    public required string Method { get; init; }

    public required ActivationType Activations { get; init; }

    public required bool ReduceRange { get; init; }

    public required bool PerChannel { get; init; }

    public required int CalibrationSamples { get; init; }

    public required int EvaluationSamples { get; init; }

    public required IReadOnlyList<OutputAccuracy> Outputs { get; init; }

    public required int QuantizedNodes { get; init; }

    /// <summary>Nodes left fp32: the exclude list and what the accuracy-aware fallback put back.</summary>
    public required IReadOnlyList<string> Fp32Nodes { get; init; }

    /// <summary>Of <see cref="Fp32Nodes"/>, those the fallback chose.</summary>
    public IReadOnlyList<string> FallbackNodes { get; init; } = [];

    /// <summary>True when no budget was given or the budget holds.</summary>
    public required bool BudgetMet { get; init; }

    public SpeedCheck? Speed { get; init; }

    public required HardwareProfile Hardware { get; init; }

    public double Seconds { get; init; }
}
