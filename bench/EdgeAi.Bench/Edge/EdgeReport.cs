using System.Globalization;
using EdgeAi.Bench.Latency;

namespace EdgeAi.Bench.Edge;

/// <summary>Writes the edge mode's results as a README section, with the issue's target: the rule machinery adds ≤ 1 ms at p50.</summary>
internal static class EdgeReport
{
    private const double MachineryTargetMs = 1.0;

    private static readonly string[] PipelinePaths =
    [
        "(e) rule with the colour pipeline: pin edge → newest file (a real JPEG) → pipeline → label condition → gpio-set",
        "(f) the pipeline over gRPC, loopback (the same JPEG)",
        "(g) the pipeline in process, through the backend the rule calls",
    ];

    /// <param name="stats">(a) rule without model, (b) rule with the classifier, (c) the classifier over gRPC, (d) in process;
    /// then, unless <paramref name="pipelineMissing"/> says why not, (e) rule with the pipeline, (f) the pipeline over gRPC, (g) in process.</param>
    /// <param name="insideRule">The pipeline call inside (e), as each fire timed it (its <c>inference_ms</c>).</param>
    public static void Write(TextWriter output, EdgeBenchSettings settings, string environment, IReadOnlyList<LatencyStats> stats, string? pipelineMissing, LatencyStats? insideRule)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(stats);
        var lines = new List<string>
        {
            "### Edge events: trigger to action (issue 12)",
            "",
            "From driving a simulated input (the edge enters through the driver's event thread) to the rule's write of its output pin; "
            + "the sample classifier (4 features → 3 classes) on a JSON input file, and the colour pipeline (JPEG → decode → 32 × 32 → "
            + $"the channel classifier, 3 channel means → 3 classes → softmax, labels) on a real photo. {environment}",
            "",
            "| Path | p50 (ms) | p99 (ms) | mean (ms) |",
            "| --- | ---: | ---: | ---: |",
        };
        lines.AddRange(stats.Select(s => F($"| {s.Label} | {s.P50Ms:0.000} | {s.P99Ms:0.000} | {s.MeanMs:0.000} |")));
        if (pipelineMissing is not null)
        {
            lines.AddRange(PipelinePaths.Select(p => $"| {p} | not measured | | |"));
        }
        lines.Add("");
        lines.Add(Machinery("Rule machinery at p50, (b) − (d)", stats[1].P50Ms - stats[3].P50Ms)
            + F($" (b) − (c), against the model over gRPC: {stats[1].P50Ms - stats[2].P50Ms:0.000} ms."));
        lines.Add("");
        if (pipelineMissing is null)
        {
            lines.Add(Machinery("With the pipeline, at p50, (e) − (g)", stats[4].P50Ms - stats[6].P50Ms)
                + F($" (e) − (f), against the pipeline over gRPC: {stats[4].P50Ms - stats[5].P50Ms:0.000} ms."));
            if (insideRule is not null)
            {
                lines.Add("");
                lines.Add(F($"Inside (e), the pipeline call as the rule timed it (`inference_ms`): p50 {insideRule.P50Ms:0.000} ms, p99 {insideRule.P99Ms:0.000} ms; ")
                    + F($"the rest of (e) (edge hop, newest-file scan, reading the photo, metadata, condition, GPIO write), p50 of (e) minus p50 of that: {stats[4].P50Ms - insideRule.P50Ms:0.000} ms."));
            }
        }
        else
        {
            lines.Add($"(e)–(g) not measured: {pipelineMissing}.");
        }
        lines.Add("");
        lines.Add($"Command: `{settings.CommandLine}`.");
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }

    private static string Machinery(string what, double ms) =>
        F($"{what}: {ms:0.000} ms — target ≤ {MachineryTargetMs:0} ms: {(ms <= MachineryTargetMs ? "met" : "**missed**")}.");

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
