using System.Collections.Concurrent;
using System.Text;
using EdgeAi.Agent.Gpio;
using EdgeAi.Agent.Telemetry;
using EdgeAi.Common.Sync;
using TelemetryMessage = EdgeAi.Common.Sync.Telemetry;

namespace EdgeAi.Agent.Rules;

/// <summary>
/// Every rule's fires, skips (by reason) and failures (by stage), webhook deliveries, and latency: totals since
/// start for /metrics, windows for telemetry, and the last fire and failure for indicators. Kept by rule name, so
/// a rule replaced from the hub keeps counting where it was.
/// </summary>
internal sealed class RuleMetrics(TimeProvider time) : IMetricsSection, ITelemetrySource, IRuleActivity
{
    public const string SkipHoldOff = "hold_off";
    public const string SkipBusy = "busy";
    public const string SkipCondition = "condition";
    public const string SkipOff = "off";

    private readonly ConcurrentDictionary<string, Counters> _totals = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _windowGate = new();
    private Dictionary<string, Counters> _window = new(StringComparer.OrdinalIgnoreCase);
    private long _lastFireTicks;
    private long _lastFailureTicks;

    public DateTimeOffset? LastFailure => Ticks(Interlocked.Read(ref _lastFailureTicks));

    public DateTimeOffset? LastFired(string? rule) =>
        rule is null ? Ticks(Interlocked.Read(ref _lastFireTicks)) : _totals.TryGetValue(rule, out var c) ? Ticks(Interlocked.Read(ref c.LastFireTicks)) : null;

    public void Fired(string rule, double latencyMs)
    {
        var now = time.GetUtcNow().UtcTicks;
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
        Interlocked.Exchange(ref _lastFailureTicks, time.GetUtcNow().UtcTicks);
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

    public void Render(StringBuilder text)
    {
        var rules = _totals.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => (Name: PrometheusText.Label(r.Key), Counters: Copy(r.Value))).ToList();
        PrometheusText.Header(text, "edgeai_rule_fires_total", "counter", "Rule fires (the condition held and the actions ran), by rule.");
        foreach (var (name, c) in rules)
        {
            PrometheusText.Line(text, "edgeai_rule_fires_total", $"rule=\"{name}\"", c.Fires);
        }
        PrometheusText.Header(text, "edgeai_rule_skips_total", "counter", "Rule triggers that did not fire, by rule and reason (hold_off, busy, condition, off).");
        foreach (var (name, c) in rules)
        {
            foreach (var (reason, count) in c.Skips.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                PrometheusText.Line(text, "edgeai_rule_skips_total", $"rule=\"{name}\",reason=\"{reason}\"", count);
            }
        }
        PrometheusText.Header(text, "edgeai_rule_failures_total", "counter", "Rule failures, by rule and stage (input, target, action).");
        foreach (var (name, c) in rules)
        {
            foreach (var (stage, count) in c.Failures.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                PrometheusText.Line(text, "edgeai_rule_failures_total", $"rule=\"{name}\",stage=\"{stage}\"", count);
            }
        }
        PrometheusText.Header(text, "edgeai_rule_webhooks_total", "counter", "Webhook deliveries by rule and outcome (delivered, dropped: the queue was full).");
        foreach (var (name, c) in rules)
        {
            PrometheusText.Line(text, "edgeai_rule_webhooks_total", $"rule=\"{name}\",outcome=\"delivered\"", c.WebhooksDelivered);
            PrometheusText.Line(text, "edgeai_rule_webhooks_total", $"rule=\"{name}\",outcome=\"dropped\"", c.WebhooksDropped);
        }
        PrometheusText.Header(text, "edgeai_rule_latency_ms", "summary", "Trigger-to-actions latency of rule fires.");
        foreach (var (name, c) in rules)
        {
            PrometheusText.Line(text, "edgeai_rule_latency_ms_sum", $"rule=\"{name}\"", c.LatencySumMs);
            PrometheusText.Line(text, "edgeai_rule_latency_ms_count", $"rule=\"{name}\"", c.Fires);
        }
    }

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
