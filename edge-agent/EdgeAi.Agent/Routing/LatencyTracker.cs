using System.Collections.Concurrent;

namespace EdgeAi.Agent.Routing;

/// <summary>Recent local latency per model (exponentially weighted), to tell whether a deadline can be met locally.</summary>
internal sealed class LatencyTracker
{
    private const double Weight = 0.2;
    private readonly ConcurrentDictionary<string, double> _ewmaMs = new(StringComparer.Ordinal);

    public void Record(string model, TimeSpan elapsed) =>
        _ewmaMs.AddOrUpdate(model, elapsed.TotalMilliseconds, (_, old) => old + (Weight * (elapsed.TotalMilliseconds - old)));

    public double? EstimateMs(string model) => _ewmaMs.TryGetValue(model, out var ms) ? ms : null;
}
