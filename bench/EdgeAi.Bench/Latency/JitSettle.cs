using System.Diagnostics;
using System.Runtime;

namespace EdgeAi.Bench.Latency;

/// <summary>
/// After warm-up, the JIT recompiles the hot methods at tier 1 on a background thread, and it
/// starts only once no new methods have been called for a while: on 2 cores that work landed in
/// the first measured round (the path running then got 2x slower). Waiting until the JIT has been
/// quiet for a moment moves it out of the measurement.
/// </summary>
internal static class JitSettle
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);

    public static async Task WaitAsync(TextWriter progress, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var start = JitInfo.GetCompiledMethodCount();
        var last = start;
        var quietPolls = 0;
        while (quietPolls < 2 && stopwatch.Elapsed < Limit)
        {
            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
            var now = JitInfo.GetCompiledMethodCount();
            quietPolls = now == last ? quietPolls + 1 : 0;
            last = now;
        }
        await progress.WriteLineAsync($"  JIT settled in {stopwatch.Elapsed.TotalSeconds:0.0} s ({last - start} methods compiled meanwhile)").ConfigureAwait(false);
    }
}
