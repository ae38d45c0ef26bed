using System.Globalization;

namespace EdgeAi.Bench.Sync;

/// <summary>Writes the sync mode's results as a README section, with the issue's targets.</summary>
internal static class SyncReport
{
    private const double EnqueueTarget = 50_000;
    private const double DrainTarget = 20_000;
    private const double BacklogSecondsTarget = 60;
    private const double EmbeddedVsMosquittoTarget = 0.8;

    public static void Write(TextWriter output, SyncBenchSettings settings, string environment,
        IReadOnlyList<EnqueueResult> enqueue, IReadOnlyList<DrainResult> drains, FleetResult? fleet, TimeSpan took)
    {
        var lines = new List<string>
        {
            settings.Encrypted ? "### Sync up (issue 4), outbox encrypted at rest (issue 16)" : "### Sync up (issue 4)",
            "",
            $"Records are sampled inference records (~{EnqueueScenario.SampleRecord(1).Length} bytes serialized). {environment}",
            "",
            "| Measurement | Result | Target |",
            "| --- | ---: | --- |",
        };
        foreach (var e in enqueue)
        {
            var target = e.BatchSize == 1 ? "(reference: one commit per record)" : Verdict(e.RecordsPerSecond >= EnqueueTarget, $"≥ {EnqueueTarget:0} records/s");
            lines.Add(F($"| Outbox durable enqueue, {e.BatchSize} record(s) per transaction ({e.Records} records) | {e.RecordsPerSecond:0} records/s | {target} |"));
        }
        foreach (var d in drains)
        {
            var target = d.Records >= 1_000_000
                ? Verdict(d.Elapsed.TotalSeconds < BacklogSecondsTarget, $"{d.Records} in < {BacklogSecondsTarget:0} s")
                : Verdict(d.RecordsPerSecond >= DrainTarget, $"≥ {DrainTarget:0} records/s");
            lines.Add(F($"| End-to-end drain through {d.Broker}: {d.Records} records | {d.RecordsPerSecond:0} records/s ({d.Elapsed.TotalSeconds:0.0} s) | {target} |"));
        }
        var embedded = drains.FirstOrDefault(d => d.Broker == "embedded broker");
        var mosquitto = drains.FirstOrDefault(d => d.Broker.StartsWith("Mosquitto", StringComparison.Ordinal));
        if (embedded is not null && mosquitto is not null)
        {
            var ratio = embedded.RecordsPerSecond / mosquitto.RecordsPerSecond;
            lines.Add(F($"| Embedded broker vs Mosquitto (drain rate) | {ratio:0.00}× | {Verdict(ratio >= EmbeddedVsMosquittoTarget, $"≥ {EmbeddedVsMosquittoTarget}×")} |"));
        }
        if (fleet is not null)
        {
            lines.Add(F($"| {fleet.Devices} simulated devices: all connected (persistent sessions, wills) | {fleet.ConnectAll.TotalSeconds:0.00} s | |"));
            lines.Add(F($"| {fleet.Devices} devices sending at once, {fleet.Records / fleet.Devices} records each in batches of {FleetScenario.BatchSize}: hub ingest | {fleet.RecordsPerSecond:0} records/s ({fleet.Ingest.TotalSeconds:0.0} s) | |"));
        }
        lines.Add("");
        lines.Add(F($"Command: `{settings.CommandLine}` (took {took.TotalSeconds:0} s)."));
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }

    private static string Verdict(bool met, string target) => met ? $"{target}: met" : $"{target}: **missed**";

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
