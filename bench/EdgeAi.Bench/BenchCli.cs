using System.CommandLine;

namespace EdgeAi.Bench;

/// <summary>The benchmark's command line: how many iterations, how much warm-up, how many threads.</summary>
internal static class BenchCli
{
    public static RootCommand Build()
    {
        var iterations = new Option<int>("--iterations")
        {
            Description = "Measured inferences per path, split over interleaved rounds.",
            DefaultValueFactory = _ => 300,
        };
        var warmup = new Option<int>("--warmup")
        {
            Description = "Unmeasured inferences per path before the first round.",
            DefaultValueFactory = _ => 20,
        };
        var threads = new Option<int>("--threads")
        {
            Description = "ONNX Runtime intra-op threads for every path (inter-op is 1). Default: 2, this machine's cores.",
            DefaultValueFactory = _ => 2,
        };
        var raw = new Option<FileInfo?>("--raw")
        {
            Description = "Also write every measured latency to this CSV file (path,round,iteration,ms), for plots.",
        };
        var root = new RootCommand("EdgeAi benchmark: ResNet18 at batch 1 on bare ONNX Runtime, the agent's ModelHost, and the agent over gRPC and REST; the agent process's start-up time and memory.")
        {
            iterations, warmup, threads, raw,
        };
        root.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new BenchSettings(parse.GetValue(iterations), parse.GetValue(warmup), parse.GetValue(threads), parse.GetValue(raw)?.FullName);
            if (settings.Problem() is { } problem)
            {
                await Console.Error.WriteLineAsync($"edgeai-bench: {problem}").ConfigureAwait(false);
                return 2;
            }
            return await BenchRun.RunAsync(settings, cancellationToken).ConfigureAwait(false);
        });
        return root;
    }
}

/// <summary>What one run measures. Rounds: the paths take turns, so machine noise hits them all alike.</summary>
internal sealed record BenchSettings(int Iterations, int Warmup, int Threads, string? RawCsvPath = null)
{
    public int Rounds => Math.Min(5, Iterations);

    /// <summary>Unmeasured inferences at the start of each path's turn in a round.</summary>
    public int RewarmPerTurn => Math.Min(3, Warmup);

    public string? Problem() => this switch
    {
        { Iterations: < 1 } => "--iterations must be 1 or more",
        { Warmup: < 0 } => "--warmup must be 0 or more",
        { Threads: < 1 or > 256 } => "--threads must be between 1 and 256",
        _ => null,
    };

    public string CommandLine =>
        $"dotnet run -c Release --project bench/EdgeAi.Bench -- --iterations {Iterations} --warmup {Warmup} --threads {Threads}";
}
