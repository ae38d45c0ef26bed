using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Routing;
using EdgeAi.Agent.Twin;
using EdgeAi.Agent.Uplink;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Hosting;
using EdgeAi.Serving.Runtime;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using TelemetryMessage = EdgeAi.Common.Sync.Telemetry;

namespace EdgeAi.Agent.Telemetry;

/// <summary>
/// Writes what the agent says about itself to the outbox: at start, the start event (the outbox
/// reports its own resets); every interval, one telemetry record (per-model
/// counts and latency, device health, outbox depth and drops); and the reported state whenever
/// what is in effect changed (checked every interval, and by the reconciler after each change).
/// The interval follows its configuration live.
/// </summary>
internal sealed class TelemetryCollector : BackgroundService
{
    private readonly IOptionsMonitor<TelemetryOptions> _options;
    private readonly DurableOutbox _outbox;
    private readonly InferenceMetrics _metrics;
    private readonly InferenceSampler _sampler;
    private readonly DeviceHealthProbe _health;
    private readonly ModelHost _host;
    private readonly DesiredStateStore _desired;
    private readonly EventReporter _events;
    private readonly IOptionsMonitor<RoutingOptions> _routing;
    private readonly TimeProvider _time;
    private readonly LoopSupervisor _supervisor;
    private readonly ILogger<TelemetryCollector> _logger;
    private DateTimeOffset _windowStart;
    private readonly Lock _reportGate = new();
    private ByteString? _lastReported;

    public TelemetryCollector(
        IOptionsMonitor<TelemetryOptions> options, IOptions<AgentOptions> agent, IOptionsMonitor<RoutingOptions> routing, DurableOutbox outbox,
        InferenceMetrics metrics, InferenceSampler sampler, ModelHost host, DesiredStateStore desired, EventReporter events, TimeProvider time,
        LoopSupervisor supervisor, ILogger<TelemetryCollector> logger)
    {
        _options = options;
        _outbox = outbox;
        _metrics = metrics;
        _sampler = sampler;
        _host = host;
        _desired = desired;
        _events = events;
        _routing = routing;
        _time = time;
        _supervisor = supervisor;
        _logger = logger;
        _health = new DeviceHealthProbe(agent.Value.DataDirectory, AgentHost.Version);
        _windowStart = time.GetUtcNow();
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Once per start, not per loop restart (the loop below is supervised and may run again).
        _events.Report("agent_started", EventReporter.Info, $"edge agent {AgentHost.Version} started",
            new Dictionary<string, string>(StringComparer.Ordinal) { ["version"] = AgentHost.Version });
        if (_desired.LoadProblem is { } problem)
        {
            _events.Report("desired_state_unreadable", EventReporter.Warning, problem);
        }
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _supervisor.RunAsync("telemetry", RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        _health.Read([]); // primes the CPU counters, so the first window reports a real share
        using var timer = new PeriodicTimer(_options.CurrentValue.Interval, _time);
        using var intervalChanged = _options.OnChange(o =>
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
        var now = _time.GetUtcNow();
        var models = _host.Models;
        var telemetry = new TelemetryMessage
        {
            WindowStartUnixMs = _windowStart.ToUnixTimeMilliseconds(),
            WindowEndUnixMs = now.ToUnixTimeMilliseconds(),
            Health = _health.Read(models.Select(m => m.ExecutionProvider).OfType<string>()),
        };
        _windowStart = now;
        telemetry.Models.Add(_metrics.TakeWindow());
        foreach (var stream in SyncTopics.Streams)
        {
            var s = _outbox.Stats(stream);
            telemetry.Outbox.Add(new OutboxStreamStats
            {
                Stream = stream,
                Depth = s.Depth,
                Dropped = s.Dropped + (stream == SyncTopics.Inference ? _sampler.Dropped : 0),
                Refused = s.Refused,
                Expired = s.Expired,
            });
        }
        try
        {
            _outbox.Append(SyncTopics.Telemetry, telemetry.ToByteArray());
        }
        catch (OutboxUnavailableException e)
        {
            TelemetryLog.TelemetryNotStored(_logger, now, e.Message);
        }
        ReportState();
    }

    /// <summary>Appends the reported state if it differs from the last one sent.</summary>
    public void ReportState()
    {
        lock (_reportGate)
        {
            var bytes = Reported(_host.Models).ToByteString();
            if (!bytes.Equals(_lastReported))
            {
                try
                {
                    _outbox.Append(SyncTopics.Reported, bytes.ToByteArray());
                    _lastReported = bytes;
                }
                catch (OutboxUnavailableException e)
                {
                    TelemetryLog.ReportedNotStored(_logger, e.Message);
                }
            }
        }
    }

    /// <summary>
    /// The revision the agent last acted on; per model, the version requests go to as "active" and any
    /// other loaded version by its state ("ready" while a candidate is smoke-tested, "failed"); the
    /// live configuration in effect.
    /// </summary>
    private ReportedState Reported(IReadOnlyList<ModelInstance> models)
    {
        var reported = new ReportedState
        {
            DesiredRevision = _desired.AppliedRevision,
            AgentVersion = AgentHost.Version,
        };
        foreach (var m in models.OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.Version, ModelVersions.Comparer))
        {
            var serving = m.State == ModelState.Ready && ReferenceEquals(Serving(m.Name), m);
            reported.Models.Add(new InstalledModel
            {
                Name = m.Name,
                Version = m.Version,
                State = serving ? "active" : m.State.ToString().ToLowerInvariant(),
                ExecutionProvider = m.ExecutionProvider ?? "",
            });
        }
        reported.ExecutionProviders.Add(models.Select(m => m.ExecutionProvider).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        reported.Config.Add(EffectiveConfig.Describe(_routing.CurrentValue, _options.CurrentValue));
        return reported;
    }

    private ModelInstance? Serving(string name)
    {
        try
        {
            return _host.Resolve(name, null);
        }
        catch (EdgeAi.Serving.InferenceException)
        {
            return null; // unloaded since the list was taken
        }
    }
}
