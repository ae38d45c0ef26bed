using System.Diagnostics;
using System.Runtime;

namespace EdgeAi.Bench.Latency;

/// <summary>
/// After warm-up the JIT is not done: it recompiles hot methods at tier 1 on a background thread
/// (with PGO in two steps, each after 30 more calls and a quiet spell), and on 2 cores that work
/// landed in the first measured rounds (whichever path ran then got up to 2x slower). So the paths
/// keep taking short unmeasured turns until a turn, plus a pause for the background compiler,
/// leaves the JIT's compiled-method count unchanged.
/// </summary>
internal static class JitSettle
{
    private const int InferencesPerTurn = 10;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public static async Task WarmAsync(IReadOnlyList<ILatencyPath> paths, TextWriter progress, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var start = JitInfo.GetCompiledMethodCount();
        var before = start;
        var turns = 0;
        while (stopwatch.Elapsed < Limit)
        {
            foreach (var path in paths)
            {
                for (var i = 0; i < InferencesPerTurn; i++)
                {
                    await path.InferOnceAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            turns++;
            await Task.Delay(Pause, cancellationToken).ConfigureAwait(false);
            var after = JitInfo.GetCompiledMethodCount();
            if (after == before)
            {
                break;
            }
            before = after;
        }
        await progress.WriteLineAsync(
            $"  JIT settled after {turns} more turn(s) of {InferencesPerTurn} per path, {stopwatch.Elapsed.TotalSeconds:0.0} s ({before - start} methods compiled meanwhile)").ConfigureAwait(false);
    }
}
