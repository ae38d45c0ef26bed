using System.Globalization;
using EdgeAi.Common.Sync;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.IntegrationTests.Replicas;

/// <summary>
/// Ingest split across hub replicas (real processes, one PostgreSQL, one Mosquitto with its password and
/// ACL files, skipped without EDGEAI_TEST_POSTGRES) while things break: a replica SIGKILLed and
/// restarted, the broker restarted. Every record of every device ends stored exactly once.
/// </summary>
[Trait("Category", "Fault")]
public sealed class ReplicaIngestFaultTests : IAsyncLifetime
{
    private const int RecordsPerBatch = 10;

    private readonly Scratch _scratch = new();
    private TestDatabase? _database;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        if (TestDatabase.IsAvailable)
        {
            _database = await TestDatabase.CreateAsync(Token);
        }
    }

    [Fact]
    public async Task ThreeReplicas_OneKilledAndRestartedMidIngest_EveryRecordOfFiftyDevicesStoredOnce()
    {
        var database = _database ?? Skip();
        var (mosquitto, devices) = await BrokerWithDevicesAsync(50);
        await using var _ = mosquitto;
        await using var cluster = new ReplicaCluster(_scratch.Sub("hub"), database, mosquitto, replicas: 3);
        await cluster.StartAllAsync();
        await SubscribedAsync(mosquitto, cluster.Count);
        try
        {
            await ConnectAllAsync(devices);
            var round = 0;
            for (; round < 10; round++)
            {
                await SendRoundAsync(devices, round);
            }
            await StoredAtLeastAsync(cluster, 1_000);

            await cluster.KillAsync(1);
            var atKill = await StoredAsync(cluster);
            for (; round < 20; round++)
            {
                await SendRoundAsync(devices, round);
            }
            // The two left go on storing while the third is gone.
            await StoredAtLeastAsync(cluster, atKill + 1_000);

            await cluster.StartAsync(1);
            for (; round < 30; round++)
            {
                await SendRoundAsync(devices, round);
            }

            await ShouldHoldExactlyAsync(cluster, devices, round * RecordsPerBatch);
        }
        finally
        {
            await DisposeAllAsync(devices);
        }
    }

    [Fact]
    public async Task TwoReplicas_MosquittoRestartedMidIngest_NothingLostNothingDoubled()
    {
        var database = _database ?? Skip();
        var (mosquitto, devices) = await BrokerWithDevicesAsync(20);
        await using var _ = mosquitto;
        await using var cluster = new ReplicaCluster(_scratch.Sub("hub"), database, mosquitto, replicas: 2);
        await cluster.StartAllAsync();
        await SubscribedAsync(mosquitto, cluster.Count);
        try
        {
            await ConnectAllAsync(devices);
            var round = 0;
            for (; round < 10; round++)
            {
                await SendRoundAsync(devices, round);
            }
            await StoredAtLeastAsync(cluster, 200);

            // Graceful stop: Mosquitto saves what it queued for the replicas' sessions, then exits; the devices
            // keep sending (and retrying) meanwhile, and send the rest once it is back.
            var sending = Task.Run(async () =>
            {
                for (var r = 10; r < 30; r++)
                {
                    await SendRoundAsync(devices, r);
                }
            }, Token);
            await mosquitto.StopAsync();
            await mosquitto.StartAsync(Token);
            await sending.WaitAsync(TimeSpan.FromSeconds(60), Token);
            await SubscribedAsync(mosquitto, cluster.Count, reconnected: true);

            await ShouldHoldExactlyAsync(cluster, devices, 30 * RecordsPerBatch);
            devices.Sum(d => d.Retried).ShouldBeGreaterThan(0, "no batch met the broker's absence: nothing was tested");
        }
        finally
        {
            await DisposeAllAsync(devices);
        }
    }

    private async Task<(MosquittoBroker Broker, List<LoadDevice> Devices)> BrokerWithDevicesAsync(int count)
    {
        var mosquitto = new MosquittoBroker(_scratch.Sub("mosquitto"));
        var ids = Enumerable.Range(1, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"sim-{i:D3}")).ToList();
        foreach (var id in ids)
        {
            mosquitto.AddDevice(id, LoadDevice.Password(id));
        }
        await mosquitto.StartAsync(Token);
        return (mosquitto, [.. ids.Select(id => new LoadDevice(mosquitto.Port, id, LoadDevice.Password(id)))]);
    }

    /// <summary>Waits until Mosquitto has seen every replica connect (each subscribes right after), again after a restart when <paramref name="reconnected"/>.</summary>
    private static Task SubscribedAsync(MosquittoBroker mosquitto, int replicas, bool reconnected = false) =>
        Eventually.UntilAsync(() => Task.FromResult(Enumerable.Range(0, replicas).All(i =>
            CountOf(mosquitto.Log, $" as hub-replica-{i.ToString(CultureInfo.InvariantCulture)} ") >= (reconnected ? 2 : 1))),
            () => $"{replicas} replicas connected to Mosquitto:\n{mosquitto.Log}", Token);

    private static int CountOf(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    private static Task ConnectAllAsync(List<LoadDevice> devices) => Task.WhenAll(devices.Select(d => d.ConnectAsync(Token)));

    /// <summary>Every device sends its batch of this round (records round*10+1 .. round*10+10), all at once.</summary>
    private static Task SendRoundAsync(List<LoadDevice> devices, int round) =>
        Task.WhenAll(devices.Select(d => d.SendAsync((round * RecordsPerBatch) + 1, RecordsPerBatch, Token)));

    private static async Task DisposeAllAsync(List<LoadDevice> devices)
    {
        foreach (var device in devices)
        {
            await device.DisposeAsync();
        }
    }

    private static async Task<long> StoredAsync(ReplicaCluster cluster)
    {
        await using var db = cluster.NewContext();
        return await db.Records.LongCountAsync(r => r.Stream == SyncTopics.Telemetry, Token);
    }

    private static async Task StoredAtLeastAsync(ReplicaCluster cluster, long count)
    {
        var stored = 0L;
        await Eventually.UntilAsync(async () => (stored = await StoredAsync(cluster)) >= count,
            () => $"{count} telemetry records stored (there are {stored})", Token, SyncUpTestKit.DrainTimeout);
    }

    /// <summary>Waits for every record to arrive, then asserts each device's seq 1..<paramref name="last"/> is stored once.</summary>
    private static async Task ShouldHoldExactlyAsync(ReplicaCluster cluster, List<LoadDevice> devices, int last)
    {
        await StoredAtLeastAsync(cluster, (long)devices.Count * last);
        await using var db = cluster.NewContext();
        var stored = await db.Records.Where(r => r.Stream == SyncTopics.Telemetry).Select(r => new { r.DeviceId, r.Seq }).ToListAsync(Token);
        stored.Count.ShouldBe(devices.Count * last, "records stored (the unique key makes a double impossible; a loss shows here)");
        var expected = Enumerable.Range(1, last).Select(i => (long)i).ToList();
        foreach (var device in devices)
        {
            stored.Where(r => r.DeviceId == device.Id).Select(r => r.Seq).Order().ToList().ShouldBe(expected, $"{device.Id}: every seq once");
        }
    }

    private static TestDatabase Skip()
    {
        Assert.Skip(TestDatabase.Unavailable);
        return null!;
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        _scratch.Dispose();
    }
}
