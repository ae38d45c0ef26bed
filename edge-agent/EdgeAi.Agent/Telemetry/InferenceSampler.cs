using System.Threading.Channels;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Hosting;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Telemetry;

/// <summary>
/// Picks the requests recorded one by one and writes them to the outbox off the request path:
/// the request only pays for a channel write; a background loop appends what queued in one
/// transaction. A full queue drops the sample and counts it (aggregates still see every request).
/// </summary>
internal sealed class InferenceSampler : BackgroundService
{
    private readonly IOptionsMonitor<TelemetryOptions> _options;
    private readonly DurableOutbox _outbox;
    private readonly Channel<byte[]> _queue;
    private readonly LoopSupervisor _supervisor;
    private readonly ILogger<InferenceSampler> _logger;
    private long _dropped;
    private bool _failing;

    public InferenceSampler(IOptionsMonitor<TelemetryOptions> options, DurableOutbox outbox, LoopSupervisor supervisor, ILogger<InferenceSampler> logger)
    {
        _options = options;
        _outbox = outbox;
        _supervisor = supervisor;
        _logger = logger;
        _queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(options.CurrentValue.SampleQueue) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    }

    /// <summary>Samples not recorded because the writer fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Offer(in InferenceOutcome outcome)
    {
        // Read per request: the hub may change the mode or rate at any time (desired state).
        var options = _options.CurrentValue;
        if (options.InferenceRecords != InferenceRecordMode.Sampled || Random.Shared.NextDouble() >= options.SampleRate)
        {
            return;
        }
        var record = new InferenceRecord
        {
            Model = outcome.Model,
            Version = outcome.Version ?? "",
            ServedBy = outcome.ServedBy ?? "",
            FallbackReason = outcome.FallbackReason ?? "",
            LatencyMs = outcome.LatencyMs,
            Status = outcome.ErrorCode ?? "OK",
            ExecutionProvider = outcome.ExecutionProvider ?? "",
        };
        if (!_queue.Writer.TryWrite(record.ToByteArray()))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _supervisor.RunAsync("inference-sampler", RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var batch = new List<byte[]>(1024);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                Flush(batch);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is already queued still goes to the outbox.
            Flush(batch);
        }
    }

    private void Flush(List<byte[]> batch)
    {
        while (batch.Count < 4096 && _queue.Reader.TryRead(out var item))
        {
            batch.Add(item);
        }
        if (batch.Count == 0)
        {
            return;
        }
        try
        {
            _outbox.Append(SyncTopics.Inference, batch);
            _failing = false;
        }
        catch (OutboxUnavailableException e)
        {
            Interlocked.Add(ref _dropped, batch.Count);
            if (!_failing)
            {
                TelemetryLog.SamplesNotStored(_logger, batch.Count, e.Message);
                _failing = true;
            }
        }
        finally
        {
            batch.Clear();
        }
    }
}
