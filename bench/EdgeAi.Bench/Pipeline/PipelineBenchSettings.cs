namespace EdgeAi.Bench.Pipeline;

/// <summary>What one pipeline benchmark run measures: iterations per step and per path, warm-up, ONNX Runtime threads.</summary>
internal sealed record PipelineBenchSettings(int Iterations, int Warmup, int Threads)
{
    public const int PhotoWidth = 1920;
    public const int PhotoHeight = 1080;
    public const int TensorSide = 224;

    public string? Problem() => this switch
    {
        { Iterations: < 1 } => "--iterations must be 1 or more",
        { Warmup: < 0 } => "--warmup must be 0 or more",
        { Threads: < 1 or > 256 } => "--threads must be between 1 and 256",
        _ => null,
    };

    /// <summary>The gRPC paths take turns in rounds, as the default mode's paths do.</summary>
    public BenchSettings Interleaved => new(Iterations, Warmup, Threads);

    public string CommandLine =>
        $"dotnet run -c Release --project bench/EdgeAi.Bench -- pipeline --iterations {Iterations} --warmup {Warmup} --threads {Threads}";
}
