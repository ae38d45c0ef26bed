using System.Diagnostics;
using System.Globalization;

namespace EdgeAi.Bench.Latency;

/// <summary>
/// Warms every path up, then runs them in rounds (a, b, c, d, a, b, ...) with an equal share of the
/// iterations each round, so drift and noise on the machine hit every path alike. Each turn starts
/// with a few unmeasured inferences: on the 2-core test machine the first ones after another path
/// ran were 2-4x slower for every path, an artefact of taking turns that no steady client sees.
/// </summary>
internal static class InterleavedRunner
{
    public static async Task<IReadOnlyList<LatencyStats>> RunAsync(
        IReadOnlyList<ILatencyPath> paths, BenchSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        foreach (var path in paths)
        {
            for (var i = 0; i < settings.Warmup; i++)
            {
                await path.InferOnceAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        if (settings.SettleJitAfterWarmup)
        {
            await JitSettle.WarmAsync(paths, progress, cancellationToken).ConfigureAwait(false);
        }

        var samples = paths.Select(_ => new List<double>(settings.Iterations)).ToArray();
        var raw = new List<string> { "path,round,iteration,ms" };
        for (var round = 0; round < settings.Rounds; round++)
        {
            // Spread the remainder over the first rounds so every path gets exactly --iterations.
            var share = settings.Iterations / settings.Rounds + (round < settings.Iterations % settings.Rounds ? 1 : 0);
            for (var p = 0; p < paths.Count; p++)
            {
                for (var i = 0; i < settings.RewarmPerTurn; i++)
                {
                    await paths[p].InferOnceAsync(cancellationToken).ConfigureAwait(false);
                }
                for (var i = 0; i < share; i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    await paths[p].InferOnceAsync(cancellationToken).ConfigureAwait(false);
                    var millis = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    samples[p].Add(millis);
                    raw.Add(string.Create(CultureInfo.InvariantCulture, $"{paths[p].Label[1]},{round + 1},{samples[p].Count},{millis:0.000}"));
                }
            }
            await progress.WriteLineAsync($"  round {round + 1}/{settings.Rounds}, p50 this round: "
                + string.Join(", ", paths.Select((path, p) => $"{path.Label[..3]} {LatencyStats.From(path.Label, samples[p][^share..]).P50Ms:0.00} ms"))).ConfigureAwait(false);
        }
        if (settings.RawCsvPath is { } csv)
        {
            await File.WriteAllLinesAsync(csv, raw, cancellationToken).ConfigureAwait(false);
        }
        return [.. paths.Select((path, p) => LatencyStats.From(path.Label, samples[p]))];
    }
}
