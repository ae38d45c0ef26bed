using System.Diagnostics;
using System.Globalization;
using EdgeAi.Common.Sync;
using EdgeAi.Testing;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAi.Bench.Sync;

internal sealed record FleetResult(int Devices, int Records, TimeSpan ConnectAll, TimeSpan Ingest)
{
    public double RecordsPerSecond => Records / Ingest.TotalSeconds;
}

/// <summary>
/// Many devices at once: simulated devices (real MQTT clients with their own credentials, persistent
/// sessions and wills, as agents connect) all connect to the hub's embedded broker, then all send
/// their records at once in batches of 50 at QoS 1; timed until the hub has stored every record.
/// </summary>
internal static class FleetScenario
{
    public const int BatchSize = 50;

    public static IEnumerable<string> DeviceIds(int devices) => Enumerable.Range(1, devices).Select(i => $"sim-{i:00000}");

    public static Task<FleetResult> RunAsync(SyncHub hub, int devices, int recordsPerDevice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hub);
        return RunAsync(hub.MqttPort, () => hub.Ingest.RecordsStored, SyncHub.DeviceKey, devices, recordsPerDevice, cancellationToken);
    }

    /// <param name="port">The broker devices connect to (the hub's embedded one, or an external one the hubs are clients of).</param>
    /// <param name="stored">Records the hubs have stored so far.</param>
    public static async Task<FleetResult> RunAsync(int port, Func<long> stored, Func<string, string> keyOf, int devices, int recordsPerDevice, CancellationToken cancellationToken)
    {
        var factory = new MqttClientFactory();
        var ids = DeviceIds(devices).ToList();
        var clients = ids.Select(_ => factory.CreateMqttClient()).ToList();
        try
        {
            var connect = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, devices), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (i, ct) =>
            {
                var options = new MqttClientOptionsBuilder()
                    .WithTcpServer("127.0.0.1", port)
                    .WithClientId(ids[i])
                    .WithCredentials(ids[i], keyOf(ids[i]))
                    .WithCleanStart(false)
                    .WithSessionExpiryInterval(3600)
                    .WithWillTopic(SyncTopics.For(ids[i], SyncTopics.Status))
                    .WithWillPayload(new Status { Online = false, Reason = "connection lost" }.ToByteArray())
                    .WithWillRetain()
                    .WithTimeout(TimeSpan.FromSeconds(60))
                    .Build();
                var result = await clients[i].ConnectAsync(options, ct).ConfigureAwait(false);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    throw new InvalidOperationException($"{ids[i]}: connection refused: {result.ResultCode}");
                }
            }).ConfigureAwait(false);
            connect.Stop();

            var already = stored();
            var total = devices * recordsPerDevice;
            var body = EnqueueScenario.SampleRecord(1);
            var ingest = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, devices).Select(i => SendAsync(clients[i], ids[i], recordsPerDevice, body, cancellationToken))).ConfigureAwait(false);
            await Eventually.UntilAsync(() => Task.FromResult(stored() >= already + total),
                () => string.Create(CultureInfo.InvariantCulture, $"the hub to store {already + total} records (it stored {stored()})"),
                cancellationToken, TimeSpan.FromMinutes(10), every: TimeSpan.FromMilliseconds(10)).ConfigureAwait(false);
            ingest.Stop();
            return new FleetResult(devices, total, connect.Elapsed, ingest.Elapsed);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private static async Task SendAsync(IMqttClient client, string device, int records, byte[] body, CancellationToken cancellationToken)
    {
        var topic = SyncTopics.For(device, SyncTopics.Inference);
        for (var first = 1; first <= records; first += BatchSize)
        {
            var batch = new RecordBatch { Stream = SyncTopics.Inference };
            for (var seq = first; seq < first + BatchSize && seq <= records; seq++)
            {
                batch.Records.Add(new Record { Seq = seq, CreatedUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Body = ByteString.CopyFrom(body) });
            }
            var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(batch.ToByteArray())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            var result = await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                throw new InvalidOperationException($"{device}: publish refused: {result.ReasonCode} {result.ReasonString}");
            }
        }
    }
}
