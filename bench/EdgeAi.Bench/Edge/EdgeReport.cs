using System.Globalization;
using EdgeAi.Bench.Latency;

namespace EdgeAi.Bench.Edge;

/// <summary>Writes the edge mode's results as a README section, with the issue's target: the rule machinery adds ≤ 1 ms at p50.</summary>
internal static class EdgeReport
{
    private const double MachineryTargetMs = 1.0;

    /// <param name="stats">(a) rule without model, (b) rule with the classifier, (c) the classifier over gRPC, (d) in process.</param>
    public static void Write(TextWriter output, EdgeBenchSettings settings, string environment, IReadOnlyList<LatencyStats> stats)
    {
        ArgumentNullException.ThrowIfNull(output);
        var lines = new List<string>
        {
            "### Edge events: trigger to action (issue 12)",
            "",
            $"From driving a simulated input (the edge enters through the driver's event thread) to the rule's write of its output pin; "
            + $"the sample classifier (4 features → 3 classes) on a JSON input file. {environment}",
            "",
            "| Path | p50 (ms) | p99 (ms) | mean (ms) |",
            "| --- | ---: | ---: | ---: |",
        };
        lines.AddRange(stats.Select(s => F($"| {s.Label} | {s.P50Ms:0.000} | {s.P99Ms:0.000} | {s.MeanMs:0.000} |")));
        var rule = stats[1].P50Ms;
        var machinery = rule - stats[3].P50Ms;
        lines.Add("");
        lines.Add(F($"Rule machinery at p50, (b) − (d): {machinery:0.000} ms — target ≤ {MachineryTargetMs:0} ms: {(machinery <= MachineryTargetMs ? "met" : "**missed**")}.")
            + F($" (b) − (c), against the model over gRPC: {rule - stats[2].P50Ms:0.000} ms."));
        lines.Add("");
        lines.Add($"Command: `{settings.CommandLine}`.");
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
