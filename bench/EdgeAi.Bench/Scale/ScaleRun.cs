using System.Diagnostics;
using System.Globalization;
using EdgeAi.Bench.Sync;
using EdgeAi.Testing.Hosts;

namespace EdgeAi.Bench.Scale;

internal sealed record IngestResult(string Hubs, int Devices, long Records, TimeSpan Elapsed, long Rows)
{
    public double RecordsPerSecond => Records / Elapsed.TotalSeconds;
}

/// <summary>
/// The scale mode: hub ingest from many simulated devices at once on each store and broker (SQLite or
/// PostgreSQL; embedded broker or Mosquitto; one replica or two), and a rollout in waves to every device.
/// PostgreSQL rows need EDGEAI_TEST_POSTGRES (scripts/test-postgres.sh start DIR prints it); without it they
/// are reported as not run.
/// </summary>
internal static class ScaleRun
{
    private static readonly (bool Postgres, bool Mosquitto, int Replicas)[] IngestConfigurations =
        [(false, false, 1), (false, true, 1), (true, true, 1), (true, true, 2)];

    private static readonly (bool Postgres, bool Mosquitto, int Replicas)[] RolloutConfigurations =
        [(false, false, 1), (true, true, 1), (true, true, 2)];

    public static async Task<int> RunAsync(ScaleBenchSettings settings, CancellationToken cancellationToken)
    {
        var progress = Console.Error;
        var root = Directory.CreateTempSubdirectory("edgeai-bench-scale-").FullName;
        var stopwatch = Stopwatch.StartNew();
        var devices = FleetScenario.DeviceIds(settings.Devices).ToList();
        try
        {
            var ingest = new List<IngestResult>();
            foreach (var (postgres, mosquitto, replicas) in IngestConfigurations.Where(c => !c.Postgres || TestDatabase.IsAvailable))
            {
                await using var hubs = await ScaleHubs.StartAsync(Sub(root, $"ingest-{ingest.Count}"), postgres, mosquitto, replicas, devices, cancellationToken).ConfigureAwait(false);
                var fleet = await FleetScenario.RunAsync(hubs.MqttPort, () => hubs.RecordsStored, ScaleHubs.DeviceKey, settings.Devices, settings.RecordsPerDevice, cancellationToken).ConfigureAwait(false);
                var result = new IngestResult(hubs.Name, fleet.Devices, fleet.Records, fleet.Ingest, await hubs.RecordRowsAsync(cancellationToken).ConfigureAwait(false));
                await Say(progress, $"ingest, {result.Hubs}: {result.Records} records in {result.Elapsed.TotalSeconds:0.00} s = {result.RecordsPerSecond:0} records/s; {result.Rows} rows").ConfigureAwait(false);
                ingest.Add(result);
            }

            var rollouts = new List<RolloutResult>();
            foreach (var (postgres, mosquitto, replicas) in RolloutConfigurations.Where(c => !c.Postgres || TestDatabase.IsAvailable))
            {
                await using var hubs = await ScaleHubs.StartAsync(Sub(root, $"rollout-{rollouts.Count}"), postgres, mosquitto, replicas, devices, cancellationToken).ConfigureAwait(false);
                var result = await RolloutScenario.RunAsync(hubs, devices, cancellationToken).ConfigureAwait(false);
                await Say(progress, $"rollout, {result.Hubs}: {result.Devices} devices in waves {result.Waves} completed in {result.Elapsed.TotalSeconds:0.00} s").ConfigureAwait(false);
                rollouts.Add(result);
            }

            await Say(progress, $"scale mode took {stopwatch.Elapsed.TotalSeconds:0} s").ConfigureAwait(false);
            await Console.Out.WriteLineAsync().ConfigureAwait(false);
            ScaleReport.Write(Console.Out, settings, BenchRun.Describe(), ingest, rollouts, stopwatch.Elapsed);
            return ingest.All(i => i.Rows == i.Records) ? 0 : 1;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            await progress.WriteLineAsync($"edgeai-bench scale: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Sub(string root, string name) => Directory.CreateDirectory(Path.Combine(root, name)).FullName;

    private static Task Say(TextWriter progress, FormattableString line) => progress.WriteLineAsync(line.ToString(CultureInfo.InvariantCulture));
}
