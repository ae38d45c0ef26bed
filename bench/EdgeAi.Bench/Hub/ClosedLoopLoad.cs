using System.Diagnostics;

namespace EdgeAi.Bench.Hub;

/// <summary>Latencies of the calls that completed inside one measured window, and the window's length.</summary>
internal sealed record LoadWindow(IReadOnlyList<double> LatenciesMs, TimeSpan Measured);

/// <summary>
/// Closed-loop load: every client runs its calls one after another, as fast as answers come back.
/// After an unmeasured warm-up, calls that complete inside the measured window count (their
/// latency, and towards throughput); at the window's end clients stop starting calls and the
/// calls still in flight finish unmeasured, so the next turn starts on an idle server.
/// </summary>
internal static class ClosedLoopLoad
{
    public static async Task<LoadWindow> RunAsync(
        IReadOnlyList<Func<CancellationToken, Task>> clients,
        TimeSpan warmup,
        TimeSpan measured,
        Action onMeasureStart,
        Action onMeasureEnd,
        CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var from = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var to = from + (long)(measured.TotalSeconds * Stopwatch.Frequency);

        var marks = Task.Run(
            async () =>
            {
                await Task.Delay(warmup, cancellationToken).ConfigureAwait(false);
                onMeasureStart();
                await Task.Delay(measured, cancellationToken).ConfigureAwait(false);
                onMeasureEnd();
            },
            cancellationToken);
        var loops = clients.Select(client => Task.Run(
            async () =>
            {
                var latencies = new List<double>();
                while (Stopwatch.GetTimestamp() < to)
                {
                    var sent = Stopwatch.GetTimestamp();
                    await client(cancellationToken).ConfigureAwait(false);
                    var answered = Stopwatch.GetTimestamp();
                    if (answered >= from && answered <= to)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(sent, answered).TotalMilliseconds);
                    }
                }
                return latencies;
            },
            cancellationToken)).ToList();

        var perClient = await Task.WhenAll(loops).ConfigureAwait(false);
        await marks.ConfigureAwait(false);
        return new LoadWindow([.. perClient.SelectMany(l => l)], measured);
    }
}
