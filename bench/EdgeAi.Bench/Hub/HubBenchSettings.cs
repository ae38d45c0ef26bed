using System.Globalization;

namespace EdgeAi.Bench.Hub;

/// <summary>What one hub-mode run measures (see <see cref="HubRun"/>).</summary>
internal sealed record HubBenchSettings(int Iterations, int Warmup, int Threads, int Clients, int DurationSeconds, IReadOnlyList<double> QueueDelaysMs)
{
    /// <summary>The hub's MaxBatchSize when batching is on.</summary>
    public const int MaxBatchSize = 16;

    /// <summary>Unmeasured load at the start of each batching turn: the first batches after a switch warm caches and ONNX Runtime's arena.</summary>
    public static TimeSpan TurnWarmup { get; } = TimeSpan.FromSeconds(2);

    /// <summary>Sequential-latency scenarios (forwarding, hub down) run as the default mode does: interleaved rounds.</summary>
    public BenchSettings Latency => new(Iterations, Warmup, Threads) { SettleJitAfterWarmup = true };

    /// <summary>Batching configurations take turns in this many rounds, each measuring an equal share of the duration.</summary>
    public int BatchingRounds => Math.Min(4, DurationSeconds);

    public TimeSpan MeasuredPerTurn => TimeSpan.FromSeconds((double)DurationSeconds / BatchingRounds);

    public string? Problem() => this switch
    {
        { Iterations: < 1 } => "--iterations must be 1 or more",
        { Warmup: < 0 } => "--warmup must be 0 or more",
        { Threads: < 1 or > 256 } => "--threads must be between 1 and 256",
        { Clients: < 1 or > 1024 } => "--clients must be between 1 and 1024",
        { DurationSeconds: < 1 or > 3600 } => "--duration must be between 1 and 3600 seconds",
        { QueueDelaysMs.Count: 0 } => "--queue-delays needs at least one delay",
        _ when QueueDelaysMs.Any(d => d is < 0 or > 10_000) => "--queue-delays must be between 0 and 10000 ms",
        _ => null,
    };

    public string CommandLine => string.Create(CultureInfo.InvariantCulture,
        $"dotnet run -c Release --project bench/EdgeAi.Bench -- hub --iterations {Iterations} --warmup {Warmup} --threads {Threads} "
        + $"--clients {Clients} --duration {DurationSeconds} --queue-delays {string.Join(' ', QueueDelaysMs)}");
}
