using System.Diagnostics;
using System.Globalization;
using EdgeAi.Testing.Mqtt;

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
                var result = EnqueueScenario.Run(root, batch, records, EnqueueScenario.Encryption(settings.Encrypted));
                await Say(progress, $"enqueue, batch {batch}: {result.Records} records in {result.Elapsed.TotalSeconds:0.00} s = {result.RecordsPerSecond:0} records/s").ConfigureAwait(false);
                enqueue.Add(result);
            }

            var drains = new List<DrainResult>();
            await using (var hub = await SyncHub.StartAsync(Sub(root, "hub-embedded"), [DrainScenario.DeviceId], null, cancellationToken).ConfigureAwait(false))
            {
                var url = $"mqtt://127.0.0.1:{hub.MqttPort}";
                drains.Add(await Drain("embedded broker", url, hub, Sub(root, "agent-embedded"), settings.DrainRecords).ConfigureAwait(false));
                if (settings.Backlog > 0)
                {
                    drains.Add(await Drain("embedded broker, large backlog", url, hub, Sub(root, "agent-backlog"), settings.Backlog).ConfigureAwait(false));
                }
            }

            await using (var mosquitto = new MosquittoBroker(Sub(root, "mosquitto")))
            {
                mosquitto.AddDevice(DrainScenario.DeviceId, SyncHub.DeviceKey(DrainScenario.DeviceId));
                await mosquitto.StartAsync(cancellationToken).ConfigureAwait(false);
                await using var hub = await SyncHub.StartAsync(Sub(root, "hub-mosquitto"), [], mosquitto.HubSettings(), cancellationToken).ConfigureAwait(false);
                drains.Add(await Drain("Mosquitto 2 (hub as shared-subscription client)", mosquitto.Uri, hub, Sub(root, "agent-mosquitto"), settings.DrainRecords).ConfigureAwait(false));
            }

            FleetResult? fleet = null;
            if (settings.Devices > 0)
            {
                await using var hub = await SyncHub.StartAsync(Sub(root, "hub-fleet"), FleetScenario.DeviceIds(settings.Devices), null, cancellationToken).ConfigureAwait(false);
                fleet = await FleetScenario.RunAsync(hub, settings.Devices, settings.RecordsPerDevice, cancellationToken).ConfigureAwait(false);
                await Say(progress, $"fleet: {fleet.Devices} devices connected in {fleet.ConnectAll.TotalSeconds:0.00} s; {fleet.Records} records stored in {fleet.Ingest.TotalSeconds:0.00} s = {fleet.RecordsPerSecond:0} records/s").ConfigureAwait(false);
            }

            await Say(progress, $"sync mode took {stopwatch.Elapsed.TotalSeconds:0} s").ConfigureAwait(false);
            await Console.Out.WriteLineAsync().ConfigureAwait(false);
            SyncReport.Write(Console.Out, settings, BenchRun.Describe(), enqueue, drains, fleet, stopwatch.Elapsed);
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            await progress.WriteLineAsync($"edgeai-bench sync: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }

        async Task<DrainResult> Drain(string broker, string url, SyncHub hub, string directory, int records)
        {
            await Say(progress, $"drain through {broker}: filling an outbox with {records} records").ConfigureAwait(false);
            var result = await DrainScenario.RunAsync(broker, url, hub, directory, records, settings.Encrypted, cancellationToken).ConfigureAwait(false);
            await Say(progress, $"drain through {broker}: {result.Records} records in {result.Elapsed.TotalSeconds:0.00} s = {result.RecordsPerSecond:0} records/s").ConfigureAwait(false);
            return result;
        }
    }

    private static string Sub(string root, string name) => Directory.CreateDirectory(Path.Combine(root, name)).FullName;

    private static Task Say(TextWriter progress, FormattableString line) => progress.WriteLineAsync(line.ToString(CultureInfo.InvariantCulture));
}
