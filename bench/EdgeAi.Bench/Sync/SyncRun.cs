using System.Diagnostics;
using System.Globalization;

namespace EdgeAi.Bench.Sync;

/// <summary>The sync mode: scenarios one after another in a temporary directory; progress on stderr, the report on stdout.</summary>
internal static class SyncRun
{
    public static async Task<int> RunAsync(SyncBenchSettings settings, CancellationToken cancellationToken)
    {
        var progress = Console.Error;
        var root = Directory.CreateTempSubdirectory("edgeai-bench-sync-").FullName;
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var enqueue = new List<EnqueueResult>();
            foreach (var batch in new[] { 1, 100, 500 })
            {
                // Single-record commits are slow by nature: measure fewer of them.
                var records = batch == 1 ? Math.Min(settings.EnqueueRecords, 20_000) : settings.EnqueueRecords;
                var result = EnqueueScenario.Run(root, batch, records);
                await progress.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"enqueue, batch {batch}: {result.Records} records in {result.Elapsed.TotalSeconds:0.00} s = {result.RecordsPerSecond:0} records/s")).ConfigureAwait(false);
                enqueue.Add(result);
            }
            await progress.WriteLineAsync($"sync mode took {stopwatch.Elapsed.TotalSeconds:0} s").ConfigureAwait(false);
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
