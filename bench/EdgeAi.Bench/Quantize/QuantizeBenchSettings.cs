namespace EdgeAi.Bench.Quantize;

/// <summary>What one quantize benchmark run measures: calibration images, timed runs per model, warm-up, ONNX Runtime threads.</summary>
internal sealed record QuantizeBenchSettings(int CalibrationImages, int Runs, int Warmup, int Threads, string Method)
{
    public string? Problem() => this switch
    {
        { CalibrationImages: < 1 or > 1000 } => "--calibration-images must be between 1 and 1000",
        { Runs: < 1 } => "--runs must be 1 or more",
        { Warmup: < 0 } => "--warmup must be 0 or more",
        { Threads: < 1 or > 256 } => "--threads must be between 1 and 256",
        _ => null,
    };

    public string CommandLine =>
        $"dotnet run -c Release --project bench/EdgeAi.Bench -- quantize --calibration-images {CalibrationImages} --runs {Runs} --warmup {Warmup} --threads {Threads} --method {Method}";
}
