using System.Globalization;
using EdgeAi.Testing.Hosts;

namespace EdgeAi.Bench.Scale;

/// <summary>Writes the scale mode's results as a README section.</summary>
internal static class ScaleReport
{
    public static void Write(TextWriter output, ScaleBenchSettings settings, string environment,
        IReadOnlyList<IngestResult> ingest, IReadOnlyList<RolloutResult> rollouts, TimeSpan took)
    {
        var lines = new List<string>
        {
            "### The hub at scale (issue 14)",
            "",
            $"Simulated devices are real MQTT clients with their own logins; every hub runs in the benchmark's process, replicas too, so they share its 2 cores with the broker, the store and the devices. {environment}",
            "",
            F($"| Configuration | devices | records | hub ingest (records/s) | time (s) | stored once |"),
            "| --- | ---: | ---: | ---: | ---: | --- |",
        };
        foreach (var i in ingest)
        {
            lines.Add(F($"| {i.Hubs} | {i.Devices} | {i.Records} | {i.RecordsPerSecond:0} | {i.Elapsed.TotalSeconds:0.00} | {(i.Rows == i.Records ? "yes" : $"**no: {i.Rows} rows**")} |"));
        }
        if (!TestDatabase.IsAvailable)
        {
            lines.Add($"| PostgreSQL rows | not run: {TestDatabase.Unavailable} | | | | |");
        }
        lines.Add("");
        lines.Add("| Rollout | devices | waves | create → completed (s) |");
        lines.Add("| --- | ---: | --- | ---: |");
        foreach (var r in rollouts)
        {
            lines.Add(F($"| {r.Hubs} | {r.Devices} | {r.Waves} | {r.Elapsed.TotalSeconds:0.00} |"));
        }
        lines.Add("");
        lines.Add(F($"Command: `{settings.CommandLine}` (took {took.TotalSeconds:0} s)."));
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
