using System.Globalization;
using EdgeAi.Bench.AgentProcess;
using EdgeAi.Bench.Latency;

namespace EdgeAi.Bench.Report;

/// <summary>Writes the results as the README's Benchmark section: what was run, two tables, the command.</summary>
internal static class MarkdownReport
{
    /// <summary>Targets from the issue: p50 of a path at most this many times the bare ONNX Runtime p50.</summary>
    private static readonly Dictionary<char, double> Targets = new() { ['b'] = 1.02, ['c'] = 1.05, ['e'] = 1.02, ['f'] = 1.10 };

    public static void Write(TextWriter output, BenchSettings settings, string environment, IReadOnlyList<LatencyStats> latency,
        AgentProcessResult? process, string? processProblem)
    {
        var text = new List<string>
        {
            "## Benchmark",
            "",
            $"ResNet18 (fp32, input [1,3,224,224]), batch 1, one sequential client. {environment}",
            $"Every path runs ONNX Runtime with {settings.Threads} intra-op thread(s), 1 inter-op thread, ORT_ENABLE_ALL, sequential execution, CPU provider. "
                + $"{settings.Iterations} measured inferences per path in {settings.Rounds} interleaved rounds (each path in turn, then again) after {settings.Warmup} warm-up each; "
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

        WriteForwarding(text, latency);

        text.Add("");
        text.Add("| Agent process (`edge-agent run`, separate process) | |");
        text.Add("| --- | ---: |");
        if (process is null)
        {
            text.Add($"| not measured | {processProblem} |");
        }
        else
        {
            text.Add($"| binary | {process.Binary.Description} |");
            if (process.Binary.PublishedBytes is { } size)
            {
                text.Add($"| size: `edge-agent` | {Mib(size)} |");
                text.Add($"| size: native libraries beside it | {Mib(process.Binary.NativeLibraryBytes)} |");
            }
            text.Add($"| start → ready (/v2/health/ready 200), no models, median of {process.Starts} | {Millis(process.ReadyNoModels)} |");
            text.Add($"| CPU to ready (user + system), no models, median of {process.Starts} | {(process.CpuToReadyNoModels is { } cpu ? Millis(cpu) : "n/a (needs /proc)")} |");
            text.Add($"| start → ready, ResNet18 installed, median of {process.Starts} | {Millis(process.ReadyResNet18)} |");
            text.Add($"| RSS idle, no models (ready + {AgentProcessProbe.Settle.TotalSeconds:0} s) | {Mib(process.RssIdleBytes)} |");
            text.Add($"| RSS, ResNet18 loaded (ready + {AgentProcessProbe.Settle.TotalSeconds:0} s) | {Mib(process.RssResNet18Bytes)} |");
            text.Add($"| RSS, ResNet18 after one REST inference (+ {AgentProcessProbe.Settle.TotalSeconds:0} s) | {Mib(process.RssResNet18AfterInferBytes)} |");
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

    /// <summary>Forwarding against calling the hub directly, (h): the issue's target is p50 at most 1.10× of it.</summary>
    private static void WriteForwarding(List<string> text, IReadOnlyList<LatencyStats> latency)
    {
        var direct = latency.FirstOrDefault(r => r.Label.StartsWith("(h)", StringComparison.Ordinal));
        if (direct is null)
        {
            return;
        }
        text.Add("");
        text.Add("| Forwarding (same rounds) | p50 (ms) | p50 vs (h) | target |");
        text.Add("| --- | ---: | ---: | --- |");
        foreach (var row in latency.Where(r => r.Label.StartsWith("(h)", StringComparison.Ordinal) || r.Label.Contains("forwarded", StringComparison.Ordinal)))
        {
            var ratio = row.P50Ms / direct.P50Ms;
            var target = row == direct ? "" : $"≤ {ForwardingTarget:0.00}×: {(ratio <= ForwardingTarget ? "met" : "missed")}";
            text.Add($"| {row.Label} | {row.P50Ms:0.00} | {ratio:0.000}× | {target} |");
        }
    }

    private const double ForwardingTarget = 1.10;

    private static string Millis(TimeSpan value) => value.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";

    private static string Mib(long? bytes) => bytes is { } b ? (b / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB" : "n/a (needs /proc)";
}
