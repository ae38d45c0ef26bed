using System.Globalization;
using EdgeAi.Bench.Latency;
using EdgeAi.Hub.Batching;

namespace EdgeAi.Bench.Hub;

/// <summary>One configuration's throughput and latency over all its measured windows; batch sizes seen by the hub inside them.</summary>
/// <remarks>
/// <see cref="RequestsPerBatch"/> is BatchingMetrics' BatchedRequests / Batches; a request the batcher
/// ran alone (nobody came within the queue delay) is in neither, hence <see cref="BatchedShare"/>:
/// the share of the window's requests that ran inside a batch.
/// </remarks>
internal sealed record BatchingRow(
    string Label, int Clients, double? QueueDelayMs, double RequestsPerSecond, LatencyStats Latency, double? RequestsPerBatch, double? BatchedShare, long? LargestBatch)
{
    public bool BatchingOn => QueueDelayMs is not null;
}

internal sealed record BatchingResult(BatchDynamicRewrite Model, BatchCompute Compute, BatchingRow Bare, BatchingRow Off, IReadOnlyList<BatchingRow> On)
{
    public BatchingRow Best => On.MaxBy(r => r.RequestsPerSecond)!;

    public double Ratio => Best.RequestsPerSecond / Off.RequestsPerSecond;
}

/// <summary>
/// (2) The hub's dynamic batching: N clients, each with its own gRPC channel (one TLS connection,
/// as N devices would have) and a loop of sequential batch-1 requests, against a hub with batching
/// off and with batching on at each queue delay; plus bare ONNX Runtime run sequentially. Every
/// hub serves the same batch-dynamic copy of ResNet18, so only batching differs. The
/// configurations take turns in rounds, all hubs started up front and idle when not measured.
/// </summary>
internal static class BatchingScenario
{
    public static async Task<BatchingResult> RunAsync(ResNet18 model, HubBenchSettings settings, string root, TextWriter progress, CancellationToken cancellationToken)
    {
        var rewrite = BatchDynamicModel.Write(model.Path, Path.Combine(root, "resnet18-batch-dynamic.onnx"));
        rewrite = rewrite with { MaxDifference = BatchDynamicModel.Verify(model.Path, rewrite.Path, settings.Threads) };
        await progress.WriteLineAsync($"  batch-dynamic copy: {rewrite.Describe()}; batch 4 vs 4 × batch 1: max |difference| {rewrite.MaxDifference:0.0e0}").ConfigureAwait(false);
        if (!(rewrite.MaxDifference <= OutputCheck.Tolerance))
        {
            throw new InvalidOperationException($"the batch-dynamic ResNet18 differs from the original by {rewrite.MaxDifference} at batch 4");
        }
        var compute = BatchCompute.Measure(model, rewrite.Path, settings.Threads, HubBenchSettings.MaxBatchSize);
        await progress.WriteLineAsync($"  bare ONNX Runtime on it: batch 1 {compute.Batch1Ms:0.00} ms, batch {compute.Batch} {compute.BatchMs:0.0} ms ({compute.PerImageMs:0.00} ms per image)").ConfigureAwait(false);

        var configurations = new List<Configuration>();
        try
        {
            var bare = new BareOnnxRuntimePath(model, settings.Threads);
            configurations.Add(new Configuration("bare ONNX Runtime, sequential, batch 1 (one session)", null, [bare], null));
            configurations.Add(await StartHubAsync("hub, batching off", null, model, rewrite.Path, settings, root, cancellationToken).ConfigureAwait(false));
            foreach (var delay in settings.QueueDelaysMs)
            {
                var label = string.Create(CultureInfo.InvariantCulture, $"hub, batching on, MaxQueueDelay {delay:0.#} ms");
                configurations.Add(await StartHubAsync(label, delay, model, rewrite.Path, settings, root, cancellationToken).ConfigureAwait(false));
            }
            // All clients at once, so a batching hub answers from merged batches: every client must still get its own row right.
            var expected = await bare.InferAndReadAsync(cancellationToken).ConfigureAwait(false);
            foreach (var hubbed in configurations.Skip(1))
            {
                var outputs = await Task.WhenAll(hubbed.Clients.Select(c => c.InferAndReadAsync(cancellationToken).AsTask())).ConfigureAwait(false);
                var difference = outputs.Max(o => OutputCheck.MaxDifference(o, expected));
                await progress.WriteLineAsync($"  {hubbed.ShortLabel}: {outputs.Length} concurrent answers, max |difference| vs bare {difference:0.0e0}").ConfigureAwait(false);
                if (difference > OutputCheck.Tolerance)
                {
                    throw new InvalidOperationException($"{hubbed.ShortLabel}: a concurrent answer differs from bare ONNX Runtime by {difference}");
                }
            }

            for (var round = 0; round < settings.BatchingRounds; round++)
            {
                foreach (var configuration in configurations)
                {
                    await configuration.RunTurnAsync(settings, cancellationToken).ConfigureAwait(false);
                }
                await progress.WriteLineAsync($"  round {round + 1}/{settings.BatchingRounds}, req/s so far: "
                    + string.Join(", ", configurations.Select(c => $"{c.ShortLabel} {c.RequestsPerSecond:0.0}"))).ConfigureAwait(false);
            }
            var rows = configurations.Select(c => c.ToRow()).ToList();
            return new BatchingResult(rewrite, compute, rows[0], rows[1], rows[2..]);
        }
        finally
        {
            foreach (var configuration in configurations)
            {
                await configuration.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<Configuration> StartHubAsync(
        string label, double? delayMs, ResNet18 model, string modelPath, HubBenchSettings settings, string root, CancellationToken cancellationToken)
    {
        var batching = new Dictionary<string, string?> { ["Batching:Enabled"] = delayMs is null ? "false" : "true" };
        if (delayMs is { } delay)
        {
            batching["Batching:MaxBatchSize"] = HubBenchSettings.MaxBatchSize.ToString(CultureInfo.InvariantCulture);
            batching["Batching:MaxQueueDelay"] = TimeSpan.FromMilliseconds(delay).ToString("c", CultureInfo.InvariantCulture);
        }
        var directory = Directory.CreateDirectory(Path.Combine(root, $"hub-batching-{(delayMs is null ? "off" : "on-" + delayMs.Value.ToString(CultureInfo.InvariantCulture))}")).FullName;
        var hub = await InProcessHub.StartAsync(directory, modelPath, settings.Threads, batching, cancellationToken).ConfigureAwait(false);
        // One request for all clients: sending it only reads it.
        var request = model.RawRequest();
        var clients = Enumerable.Range(0, settings.Clients)
            .Select(i => (ILatencyPath)new GrpcInferPath($"(c) client {i + 1}", hub.NewChannel(), request, InProcessHub.Headers))
            .ToList();
        return new Configuration(label, delayMs, clients, hub);
    }

    /// <summary>One configuration's clients (and hub), and what its measured turns added up to.</summary>
    private sealed class Configuration(string label, double? delayMs, IReadOnlyList<ILatencyPath> clients, InProcessHub? hub) : IAsyncDisposable
    {
        private readonly List<double> _latencies = [];
        private TimeSpan _measured;
        private long _batches;
        private long _batchedRequests;
        private (long Batches, long Requests) _atStart;

        public IReadOnlyList<ILatencyPath> Clients { get; } = clients;

        public string ShortLabel => delayMs is { } d ? string.Create(CultureInfo.InvariantCulture, $"on {d:0.#} ms") : hub is null ? "bare" : "off";

        public double RequestsPerSecond => _measured > TimeSpan.Zero ? _latencies.Count / _measured.TotalSeconds : 0;

        public async Task RunTurnAsync(HubBenchSettings settings, CancellationToken cancellationToken)
        {
            var calls = Clients.Select(c => (Func<CancellationToken, Task>)(ct => c.InferOnceAsync(ct).AsTask())).ToList();
            var window = await ClosedLoopLoad.RunAsync(
                calls,
                HubBenchSettings.TurnWarmup,
                settings.MeasuredPerTurn,
                onMeasureStart: () => _atStart = Snapshot(),
                onMeasureEnd: () =>
                {
                    var end = Snapshot();
                    _batches += end.Batches - _atStart.Batches;
                    _batchedRequests += end.Requests - _atStart.Requests;
                },
                cancellationToken).ConfigureAwait(false);
            _latencies.AddRange(window.LatenciesMs);
            _measured += window.Measured;
        }

        public BatchingRow ToRow() => new(
            label,
            Clients.Count,
            delayMs,
            RequestsPerSecond,
            LatencyStats.From(label, _latencies),
            hub is null ? null : _batches > 0 ? (double)_batchedRequests / _batches : 1.0,
            hub is null ? null : Math.Min(1.0, (double)_batchedRequests / _latencies.Count),
            hub is null ? null : Math.Max(1, hub.Metrics.LargestBatch));

        private (long Batches, long Requests) Snapshot() => hub is { Metrics: BatchingMetrics m } ? (m.Batches, m.BatchedRequests) : default;

        public async ValueTask DisposeAsync()
        {
            foreach (var client in Clients)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }
            if (hub is not null)
            {
                await hub.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
