using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using EdgeAi.Agent.Gpio;
using EdgeAi.Agent.Telemetry;
using EdgeAi.Common.Sync;
using TelemetryMessage = EdgeAi.Common.Sync.Telemetry;

namespace EdgeAi.Agent.Rules;

/// <summary>
/// Every rule's fires, skips (by reason) and failures (by stage), webhook deliveries, and latency: totals since
/// start for /metrics (observed at each scrape; latency as a histogram), windows for telemetry, and the last fire and failure for indicators. Kept by rule name, so
/// a rule replaced from the hub keeps counting where it was.
/// </summary>
internal sealed class RuleMetrics : IMetricsSource, ITelemetrySource, IRuleActivity
{
    public const string MeterName = "EdgeAi.Agent.Rules";

    public const string SkipHoldOff = "hold_off";
    public const string SkipBusy = "busy";
    public const string SkipCondition = "condition";
    public const string SkipOff = "off";

    private readonly ConcurrentDictionary<string, Counters> _totals = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _windowGate = new();
    private Dictionary<string, Counters> _window = new(StringComparer.OrdinalIgnoreCase);
    private long _lastFireTicks;
    private long _lastFailureTicks;
    private readonly TimeProvider _time;
    private readonly Histogram<double>? _latency;

    public RuleMetrics(TimeProvider time, IMeterFactory? meters = null)
    {
        _time = time;
        if (meters?.Create(MeterName) is not { } meter)
        {
            return;
        }
        meter.CreateObservableCounter("edgeai_rule_fires", () => Observe((rule, c) => [Count(c.Fires, rule)]),
            "{fire}", "Rule fires (the condition held and the actions ran), by rule.");
        meter.CreateObservableCounter("edgeai_rule_skips", () => Observe((rule, c) => c.Skips.Select(s => Count(s.Value, rule, ("reason", s.Key)))),
            "{skip}", "Rule triggers that did not fire, by rule and reason (hold_off, busy, condition, off).");
        meter.CreateObservableCounter("edgeai_rule_failures", () => Observe((rule, c) => c.Failures.Select(f => Count(f.Value, rule, ("stage", f.Key)))),
            "{failure}", "Rule failures, by rule and stage (input, target, action).");
        meter.CreateObservableCounter("edgeai_rule_webhooks", () => Observe((rule, c) =>
                [Count(c.WebhooksDelivered, rule, ("outcome", "delivered")), Count(c.WebhooksDropped, rule, ("outcome", "dropped"))]),
            "{delivery}", "Webhook deliveries by rule and outcome (delivered, dropped: the queue was full).");
        _latency = meter.CreateHistogram<double>("edgeai_rule_latency", "s", "Trigger-to-actions latency of rule fires, by rule.");
    }

    public DateTimeOffset? LastFailure => Ticks(Interlocked.Read(ref _lastFailureTicks));

    public DateTimeOffset? LastFired(string? rule) =>
        rule is null ? Ticks(Interlocked.Read(ref _lastFireTicks)) : _totals.TryGetValue(rule, out var c) ? Ticks(Interlocked.Read(ref c.LastFireTicks)) : null;

    public void Fired(string rule, double latencyMs)
    {
        var now = _time.GetUtcNow().UtcTicks;
        _latency?.Record(latencyMs / 1000, new KeyValuePair<string, object?>("rule", rule));
        Interlocked.Exchange(ref _lastFireTicks, now);
        Update(rule, c =>
        {
            c.Fires++;
            c.LatencySumMs += latencyMs;
            c.LatencyMaxMs = Math.Max(c.LatencyMaxMs, latencyMs);
            c.LastFireTicks = now;
        });
    }

    public void Skipped(string rule, string reason) => Update(rule, c => c.Skips[reason] = c.Skips.GetValueOrDefault(reason) + 1);

    public void Failed(string rule, string stage)
    {
        Interlocked.Exchange(ref _lastFailureTicks, _time.GetUtcNow().UtcTicks);
        Update(rule, c => c.Failures[stage] = c.Failures.GetValueOrDefault(stage) + 1);
    }

    public void WebhookDelivered(string rule) => Update(rule, c => c.WebhooksDelivered++);

    public void WebhookDropped(string rule) => Update(rule, c => c.WebhooksDropped++);

    /// <summary>Totals of one rule (a copy), for the REST view.</summary>
    public (long Fires, long Skips, long Failures) Totals(string rule)
    {
        if (!_totals.TryGetValue(rule, out var c))
        {
            return (0, 0, 0);
        }
        lock (c)
        {
            return (c.Fires, c.Skips.Values.Sum(), c.Failures.Values.Sum());
        }
    }

    public void AddWindow(TelemetryMessage telemetry)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        Dictionary<string, Counters> window;
        lock (_windowGate)
        {
            window = _window;
            _window = new(StringComparer.OrdinalIgnoreCase);
        }
        foreach (var (rule, c) in window.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            var message = new RuleTelemetry
            {
                Rule = rule,
                Fires = c.Fires,
                WebhooksDropped = c.WebhooksDropped,
                LatencySumMs = c.LatencySumMs,
                LatencyMaxMs = c.LatencyMaxMs,
            };
            message.Skips.Add(c.Skips);
            message.Failures.Add(c.Failures);
            telemetry.Rules.Add(message);
        }
    }

    private IEnumerable<Measurement<long>> Observe(Func<string, Counters, IEnumerable<Measurement<long>>> measure) =>
        [.. _totals.Select(r => (r.Key, Copy(r.Value))).SelectMany(r => measure(r.Key, r.Item2))];

    private static Measurement<long> Count(long value, string rule, (string Key, string Value)? label = null) =>
        label is var (key, text)
            ? new(value, new KeyValuePair<string, object?>("rule", rule), new KeyValuePair<string, object?>(key, text))
            : new(value, new KeyValuePair<string, object?>("rule", rule));

    private void Update(string rule, Action<Counters> change)
    {
        var total = _totals.GetOrAdd(rule, _ => new Counters());
        lock (total)
        {
            change(total);
        }
        lock (_windowGate)
        {
            if (!_window.TryGetValue(rule, out var window))
            {
                _window[rule] = window = new Counters();
            }
            change(window);
        }
    }

    private static Counters Copy(Counters c)
    {
        lock (c)
        {
            return new Counters
            {
                Fires = c.Fires,
                LatencySumMs = c.LatencySumMs,
                LatencyMaxMs = c.LatencyMaxMs,
                WebhooksDelivered = c.WebhooksDelivered,
                WebhooksDropped = c.WebhooksDropped,
                Skips = new(c.Skips, StringComparer.Ordinal),
                Failures = new(c.Failures, StringComparer.Ordinal),
            };
        }
    }

    private static DateTimeOffset? Ticks(long ticks) => ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);

    private sealed class Counters
    {
        public long Fires;
        public double LatencySumMs;
        public double LatencyMaxMs;
        public long WebhooksDelivered;
        public long WebhooksDropped;
        public long LastFireTicks;

        public Dictionary<string, long> Skips { get; init; } = new(StringComparer.Ordinal);

        public Dictionary<string, long> Failures { get; init; } = new(StringComparer.Ordinal);
    }
}
