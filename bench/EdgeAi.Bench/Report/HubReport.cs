using System.Globalization;
using EdgeAi.Bench.Hub;
using EdgeAi.Bench.Latency;

namespace EdgeAi.Bench.Report;

/// <summary>Writes the hub mode's results as a README section: what was run, three tables, the targets, the command.</summary>
internal static class HubReport
{
    /// <summary>Targets from issue 3.</summary>
    private const double ForwardingTarget = 1.10;
    private const double BatchingTarget = 1.3;
    private const double HubDownTarget = 1.02;

    public static void Write(TextWriter output, HubBenchSettings settings, string environment,
        ForwardingResult forwarding, BatchingResult batching, HubDownResult down, TimeSpan took)
    {
        var latency = settings.Latency;
        var rounds = $"{settings.Iterations} measured inferences per path in {latency.Rounds} interleaved rounds after {settings.Warmup} warm-up "
            + $"(and more, in turns, until the JIT stopped compiling), each turn starting with {latency.RewarmPerTurn} unmeasured";
        var text = new List<string>
        {
            "### Hub and fallback (issue 3)",
            "",
            $"ResNet18 (fp32), CPU provider, {settings.Threads} intra-op thread(s) and 1 inter-op thread in every ONNX Runtime session (bare, agent, hub). "
                + "The hub (TLS with its self-signed certificate, device key) and the agent run in the benchmark's process on 127.0.0.1, started as the integration tests start them; "
                + $"latency and throughput are measured at the client. {environment}",
            "",
            "#### 1. Agent forwarding to the hub",
            "",
            "The agent has no copy of ResNet18, so local-first escalates every request to the hub; its answers say `served_by=cloud`, `fallback_reason=model_not_installed` (checked). "
                + $"One sequential client, batch 1, hub batching off; {rounds}.",
            "",
            "| Path | p50 (ms) | p99 (ms) | mean (ms) | p50 vs (h) | target |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
            LatencyRow(forwarding.Bare with { Label = forwarding.Bare.Label + " (reference)" }, forwarding.Direct, ""),
            LatencyRow(forwarding.Direct, forwarding.Direct, ""),
            LatencyRow(forwarding.Forwarded, forwarding.Direct, Target(forwarding.Ratio, ForwardingTarget, atMost: true)),
            "",
            "#### 2. Hub dynamic batching",
            "",
            $"{settings.Clients} clients straight to the hub, each with its own gRPC channel (TLS, device key) and a loop of sequential batch-1 requests; "
                + $"{settings.DurationSeconds} s measured per configuration in {settings.BatchingRounds} interleaved rounds, each turn after {HubBenchSettings.TurnWarmup.TotalSeconds:0} s of unmeasured load. "
                + $"Every hub serves the same batch-dynamic copy of ResNet18 that the benchmark writes ({batching.Model.Describe()}); "
                + $"at batch 4 it gives every row what the original gives at batch 1 (max |difference| {batching.Model.MaxDifference:0.0e0}, checked before timing). "
                + $"Batching on: MaxBatchSize {HubBenchSettings.MaxBatchSize}; MaxQueueDelay tried: {string.Join(", ", settings.QueueDelaysMs.Select(d => Number(d, "0.#")))} ms, "
                + $"best {Number(batching.Best.QueueDelayMs ?? 0, "0.#")} ms. Requests per batch is BatchedRequests / Batches from BatchingMetrics within the measured windows; "
                + "a request the batcher ran alone counts in neither, hence the share of requests that ran inside a batch. Largest batch: LargestBatch over the whole run. "
                + $"For scale, bare ONNX Runtime on the batch-dynamic copy takes {Number(batching.Compute.Batch1Ms, "0.00")} ms at batch 1 and "
                + $"{Number(batching.Compute.BatchMs, "0.0")} ms at batch {batching.Compute.Batch} ({Number(batching.Compute.PerImageMs, "0.00")} ms per image): "
                + $"batching saves {Number(batching.Compute.Saving * 100, "0")} % of the compute per image on this machine.",
            "",
            "| Configuration | clients | req/s | p50 (ms) | p99 (ms) | requests per batch | share batched | largest batch | req/s vs off | target |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        };
        foreach (var row in (BatchingRow[])[batching.Bare, batching.Off, .. batching.On])
        {
            var target = row == batching.Best ? Target(batching.Ratio, BatchingTarget, atMost: false) + " (best)" : "";
            text.Add($"| {row.Label} | {row.Clients} | {Number(row.RequestsPerSecond, "0.0")} | {Number(row.Latency.P50Ms, "0.0")} | {Number(row.Latency.P99Ms, "0.0")} "
                + $"| {(row.BatchingOn ? Number(row.RequestsPerBatch ?? 0, "0.0") : "–")} | {(row.BatchedShare is { } share ? Number(share * 100, "0") + " %" : "–")} "
                + $"| {(row.LargestBatch is { } largest ? Number(largest, "0") : "–")} | {Number(row.RequestsPerSecond / batching.Off.RequestsPerSecond, "0.00")}× | {target} |");
        }
        text.AddRange(
        [
            "",
            "#### 3. Local-first while the hub is down",
            "",
            $"The agent has ResNet18 locally and the hub configured (Cloud:MinimumThroughput {HubDownResult.MinimumThroughput}, BreakDuration {HubDownResult.BreakDuration}, "
                + $"AttemptTimeout {HubDownResult.AttemptTimeout}, the rest default). Hub up: local-first requests over gRPC, served locally (checked). "
                + $"Then the hub is stopped; cloud-only requests (`edgeai.route=cloud`) fail until the agent's circuit opens ({down.CallsToOpen} request(s) here), "
                + $"and local-first is measured again with the circuit open (still open after the measurement: {(down.StillOpenAtEnd ? "yes" : "no")}). "
                + $"Bare ONNX Runtime runs in the same rounds as a control for drift between the phases. Per phase: {rounds}.",
            "",
            "| Hub | Path | p50 (ms) | p99 (ms) | mean (ms) | p50 down vs up | target |",
            "| --- | --- | ---: | ---: | ---: | ---: | --- |",
            PhaseRow("up", down.LocalUp, null, ""),
            PhaseRow("up", down.BareUp with { Label = down.BareUp.Label + " (control)" }, null, ""),
            PhaseRow("down, circuit open", down.LocalDown, down.LocalUp, Target(down.Ratio, HubDownTarget, atMost: true)),
            PhaseRow("down, circuit open", down.BareDown with { Label = down.BareDown.Label + " (control)" }, down.BareUp, ""),
            PhaseRow("down, circuit open",
                down.CloudOnlyFailure with { Label = $"agent, cloud-only request: time to fail (UNAVAILABLE, circuit open), {down.CloudOnlyFailure.Count} requests" }, null, ""),
            "",
            "Targets:",
            "",
            $"- forwarded / direct p50: {Number(forwarding.Ratio, "0.000")}× (target ≤ {Number(ForwardingTarget, "0.00")}×): {Verdict(forwarding.Ratio <= ForwardingTarget)}",
            $"- batching on / off throughput: {Number(batching.Ratio, "0.00")}× (target ≥ {Number(BatchingTarget, "0.0")}×): {Verdict(batching.Ratio >= BatchingTarget)}",
            $"- local-first p50, hub down / up: {Number(down.Ratio, "0.000")}× (target ≤ {Number(HubDownTarget, "0.00")}×): {Verdict(down.Ratio <= HubDownTarget)}",
            "",
            $"Command ({Number(took.TotalSeconds, "0")} s):",
            "",
            "```",
            settings.CommandLine,
            "```",
        ]);
        foreach (var line in text)
        {
            output.WriteLine(line);
        }
    }

    private static string LatencyRow(LatencyStats row, LatencyStats baseline, string target) =>
        $"| {row.Label} | {Number(row.P50Ms, "0.00")} | {Number(row.P99Ms, "0.00")} | {Number(row.MeanMs, "0.00")} | {Number(row.P50Ms / baseline.P50Ms, "0.000")}× | {target} |";

    private static string PhaseRow(string phase, LatencyStats row, LatencyStats? up, string target) =>
        $"| {phase} | {row.Label} | {Number(row.P50Ms, "0.00")} | {Number(row.P99Ms, "0.00")} | {Number(row.MeanMs, "0.00")} "
        + $"| {(up is null ? "" : Number(row.P50Ms / up.P50Ms, "0.000") + "×")} | {target} |";

    private static string Target(double ratio, double limit, bool atMost) =>
        $"{(atMost ? "≤" : "≥")} {Number(limit, "0.00")}×: {Verdict(atMost ? ratio <= limit : ratio >= limit)}";

    private static string Verdict(bool met) => met ? "met" : "missed";

    private static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
