using System.Collections.Concurrent;
using System.Diagnostics;

namespace EdgeAi.IntegrationTests.Tracing;

/// <summary>
/// Collects the stopped spans of our sources and the framework's (ASP.NET Core, HttpClient) in this process, as
/// the OpenTelemetry SDK's listener would see them. Agent and hub run in one process, so a test finds its own
/// spans by its trace id.
/// </summary>
internal sealed class SpanCollector : IDisposable
{
    private static readonly string[] Sources = ["EdgeAi.Agent", "EdgeAi.Hub", "EdgeAi.Serving", "Microsoft.AspNetCore", "System.Net.Http", "Grpc.Net.Client"];

    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public SpanCollector()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => Sources.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<Activity> Spans => [.. _stopped];

    public IReadOnlyList<Activity> InTrace(ActivityTraceId trace) => [.. _stopped.Where(a => a.TraceId == trace)];

    /// <summary>Waits for the first collected span that <paramref name="match"/> accepts.</summary>
    public async Task<Activity> WaitForAsync(Func<Activity, bool> match, string what, CancellationToken cancellationToken)
    {
        Activity? found = null;
        await Eventually.UntilAsync(
            () => Task.FromResult((found = _stopped.FirstOrDefault(match)) is not null),
            () => $"{what}; collected: {string.Join("; ", _stopped.Select(a => $"{a.Source.Name} '{a.DisplayName}' {a.TraceId}/{a.SpanId} parent {a.ParentSpanId}"))}",
            cancellationToken,
            within: TimeSpan.FromSeconds(20));
        return found!;
    }

    /// <summary>The span's ancestors among the collected ones, nearest first.</summary>
    public IReadOnlyList<Activity> Ancestors(Activity span)
    {
        var byId = _stopped.Where(a => a.TraceId == span.TraceId).ToDictionary(a => a.SpanId);
        var chain = new List<Activity>();
        for (var id = span.ParentSpanId; byId.TryGetValue(id, out var parent); id = parent.ParentSpanId)
        {
            chain.Add(parent);
        }
        return chain;
    }

    public void Dispose() => _listener.Dispose();
}
