using System.Diagnostics;
using EdgeAi.Bench.Report;
using Grpc.Core;

namespace EdgeAi.Bench.Hub;

/// <summary>
/// The hub mode: three scenarios one after another, each with its own in-process hub (and agent),
/// in a temporary directory removed at the end; progress on stderr, the report on stdout.
/// </summary>
internal static class HubRun
{
    public static async Task<int> RunAsync(HubBenchSettings settings, CancellationToken cancellationToken)
    {
        var progress = Console.Error;
        var model = ResNet18.Load();
        await progress.WriteLineAsync($"model: {model.Path}").ConfigureAwait(false);
        var root = Directory.CreateTempSubdirectory("edgeai-bench-hub-").FullName;
        var stopwatch = Stopwatch.StartNew();
        try
        {
            await progress.WriteLineAsync("hub (1/3): agent forwarding to the hub vs the hub directly").ConfigureAwait(false);
            var forwarding = await ForwardingScenario.RunAsync(model, settings, root, progress, cancellationToken).ConfigureAwait(false);

            await progress.WriteLineAsync($"hub (2/3): dynamic batching, {settings.Clients} clients, {settings.DurationSeconds} s per configuration in {settings.BatchingRounds} rounds").ConfigureAwait(false);
            var batching = await BatchingScenario.RunAsync(model, settings, root, progress, cancellationToken).ConfigureAwait(false);

            await progress.WriteLineAsync("hub (3/3): local-first with the hub up, then down").ConfigureAwait(false);
            var down = await HubDownScenario.RunAsync(model, settings, root, progress, cancellationToken).ConfigureAwait(false);

            await progress.WriteLineAsync($"hub mode took {stopwatch.Elapsed.TotalSeconds:0} s").ConfigureAwait(false);
            await Console.Out.WriteLineAsync().ConfigureAwait(false);
            HubReport.Write(Console.Out, settings, BenchRun.Describe(), forwarding, batching, down, stopwatch.Elapsed);
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or RpcException)
        {
            // A failed check (wrong answer, wrong route, circuit that never opens) or a failed call: no numbers are better than wrong ones.
            await progress.WriteLineAsync($"edgeai-bench hub: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
