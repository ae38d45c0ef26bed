using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.SyncDown;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Hosting;
using EdgeAi.Serving.Runtime;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using TelemetryMessage = EdgeAi.Common.Sync.Telemetry;

namespace EdgeAi.Agent.Telemetry;

/// <summary>What a feature adds to each telemetry record (per-rule counters), for the window that just ended.</summary>
internal interface ITelemetrySource
{
    void AddWindow(TelemetryMessage telemetry);
}

/// <summary>
/// Writes what the agent says about itself to the outbox every interval: one telemetry record
/// (per-model counts and latency, device health, outbox depth and drops), and the reported state when
/// what is in effect changed (<see cref="ReportedStateReporter"/>). The interval follows its
/// configuration live.
/// </summary>
internal sealed class TelemetryCollector(
    IOptionsMonitor<TelemetryOptions> options, IOptions<AgentOptions> agent, DurableOutbox outbox, InferenceMetrics metrics, InferenceSampler sampler,
    ModelHost host, ReportedStateReporter reported, TimeProvider time, LoopSupervisor supervisor, IEnumerable<ITelemetrySource> sources, ILogger<TelemetryCollector> logger)
    : BackgroundService
{
    private readonly DeviceHealthProbe _health = new(agent.Value.DataDirectory, AgentHost.Version);
    private DateTimeOffset _windowStart = time.GetUtcNow();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => supervisor.RunAsync("telemetry", RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        _health.Read([]); // primes the CPU counters, so the first window reports a real share
        using var timer = new PeriodicTimer(options.CurrentValue.Interval, time);
        using var intervalChanged = options.OnChange(o =>
        {
            if (timer.Period != o.Interval)
            {
                timer.Period = o.Interval;
            }
        });
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Collect();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the last partial window still goes to the outbox.
        }
        Collect();
    }

    /// <summary>Appends one telemetry record for the window that just ended, and the reported state if it changed.</summary>
    public void Collect()
    {
        var now = time.GetUtcNow();
        var models = host.Models;
        var telemetry = new TelemetryMessage
        {
            WindowStartUnixMs = _windowStart.ToUnixTimeMilliseconds(),
            WindowEndUnixMs = now.ToUnixTimeMilliseconds(),
            Health = _health.Read(models.Select(m => m.ExecutionProvider).OfType<string>()),
        };
        _windowStart = now;
        telemetry.Models.Add(metrics.TakeWindow());
        foreach (var source in sources)
        {
            source.AddWindow(telemetry);
        }
        foreach (var stream in SyncTopics.Streams)
        {
            var s = outbox.Stats(stream);
            telemetry.Outbox.Add(new OutboxStreamStats
            {
                Stream = stream,
                Depth = s.Depth,
                Dropped = s.Dropped + (stream == SyncTopics.Inference ? sampler.Dropped : 0),
                Refused = s.Refused,
                Expired = s.Expired,
            });
        }
        try
        {
            outbox.Append(SyncTopics.Telemetry, telemetry.ToByteArray());
        }
        catch (OutboxUnavailableException e)
        {
            TelemetryLog.TelemetryNotStored(logger, now, e.Message);
        }
        reported.ReportIfChanged();
    }
}
