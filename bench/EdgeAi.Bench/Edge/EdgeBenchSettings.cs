namespace EdgeAi.Bench.Edge;

/// <summary>What the edge mode measures: iterations per path (split over interleaved rounds) after a warm-up.</summary>
internal sealed record EdgeBenchSettings(int Iterations, int Warmup)
{
    public int Rounds => Math.Min(5, Iterations);

    public string? Problem() => this switch
    {
        { Iterations: < 1 } => "--iterations must be 1 or more",
        { Warmup: < 0 } => "--warmup must be 0 or more",
        _ => null,
    };

    public string CommandLine => $"dotnet run -c Release --project bench/EdgeAi.Bench -- edge --iterations {Iterations} --warmup {Warmup}";
}
