using System.Globalization;
using EdgeAi.Bench.AgentProcess;
using EdgeAi.Bench.Latency;

namespace EdgeAi.Bench.Report;

/// <summary>Writes the results as the README's Benchmark section: what was run, two tables, the command.</summary>
internal static class MarkdownReport
{
    /// <summary>Targets from the issue: p50 of a path at most this many times the bare ONNX Runtime p50.</summary>
    private static readonly Dictionary<char, double> Targets = new() { ['b'] = 1.02, ['c'] = 1.05, ['f'] = 1.10 };

    public static void Write(TextWriter output, BenchSettings settings, string environment, IReadOnlyList<LatencyStats> latency,
        AgentProcessResult? process, string? processProblem)
    {
        var text = new List<string>
        {
            "## Benchmark",
            "",
            $"ResNet18 (fp32, input [1,3,224,224]), batch 1, one sequential client. {environment}",
            $"Every path runs ONNX Runtime with {settings.Threads} intra-op thread(s), 1 inter-op thread, ORT_ENABLE_ALL, sequential execution, CPU provider. "
                + $"{settings.Iterations} measured inferences per path in {settings.Rounds} interleaved rounds (a, b, c, d, g, a, ...) after {settings.Warmup} warm-up each; "
                + $"each turn starts with {settings.RewarmPerTurn} unmeasured inferences. Latency is measured at the client: request to response.",
            "",
            "| Path | p50 (ms) | p99 (ms) | mean (ms) | req/s | p50 vs (a) | target |",
            "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        };
        var floor = latency[0].P50Ms;
        foreach (var row in latency)
        {
            var ratio = row.P50Ms / floor;
            var target = Targets.TryGetValue(row.Label[1], out var limit)
                ? $"≤ {limit:0.00}×: {(ratio <= limit ? "met" : "missed")}"
                : "";
            text.Add($"| {row.Label} | {row.P50Ms:0.00} | {row.P99Ms:0.00} | {row.MeanMs:0.00} | {row.RequestsPerSecond:0.0} | {ratio:0.000}× | {target} |");
        }

        text.Add("");
        text.Add("| Agent process (`edge-agent run`, separate process) | |");
        text.Add("| --- | ---: |");
        if (process is null)
        {
            text.Add($"| not measured | {processProblem} |");
        }
        else
        {
            text.Add($"| binary | {process.Binary.Description}{(process.Binary.PublishedBytes is { } size ? $", {Mib(size)}" : "")} |");
            text.Add($"| start → ready (/v2/health/ready 200), no models, median of {process.Starts} | {Millis(process.ReadyNoModels)} |");
            text.Add($"| start → ready, ResNet18 installed, median of {process.Starts} | {Millis(process.ReadyResNet18)} |");
            text.Add($"| RSS idle, no models (ready + 2 s) | {Mib(process.RssIdleBytes)} |");
            text.Add($"| RSS, ResNet18 loaded (ready + 2 s) | {Mib(process.RssResNet18Bytes)} |");
            text.Add($"| RSS, ResNet18 after one REST inference (+ 2 s) | {Mib(process.RssResNet18AfterInferBytes)} |");
        }
        text.Add("");
        text.Add("Command:");
        text.Add("");
        text.Add("```");
        text.Add(settings.CommandLine);
        text.Add("```");
        foreach (var line in text)
        {
            output.WriteLine(line);
        }
    }

    private static string Millis(TimeSpan value) => value.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";

    private static string Mib(long? bytes) => bytes is { } b ? (b / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB" : "n/a (needs /proc)";
}
