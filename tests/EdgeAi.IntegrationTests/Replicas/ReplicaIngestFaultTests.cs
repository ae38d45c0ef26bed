using System.Globalization;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Sync;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.Replicas;

/// <summary>
/// Ingest split across hub replicas (real processes, one PostgreSQL, one Mosquitto with its password and
/// ACL files, skipped without EDGEAI_TEST_POSTGRES) while things break: a replica SIGKILLed and
/// restarted, the broker restarted. Every record of every device ends stored exactly once — simulated
/// devices' and, beside them, two real agents' (their durable outbox and uplink through Mosquitto).
/// </summary>
[Trait("Category", "Fault")]
public sealed class ReplicaIngestFaultTests : IAsyncLifetime
{
    private const int RecordsPerBatch = 10;
    private const int AgentRecordsPerRound = 100;
    private const string SimulatedPrefix = "sim-";
    private static readonly string[] Agents = ["agent-1", "agent-2"];

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
    public async Task ThreeReplicas_OneKilledAndRestartedMidIngest_EveryRecordOfFiftyDevicesAndTwoAgentsStoredOnce()
    {
        var database = _database ?? Skip();
        var (mosquitto, devices) = await BrokerWithDevicesAsync(50, Agents);
        await using var _ = mosquitto;
        await using var cluster = new ReplicaCluster(_scratch.Sub("hub"), database, mosquitto, replicas: 3);
        await cluster.StartAllAsync();
        await SubscribedAsync(mosquitto, cluster.Count);
        var agents = new List<TestAgent>();
        try
        {
            foreach (var id in Agents)
            {
                var agent = new TestAgent(_scratch.Sub(id));
                agents.Add(agent);
                await agent.StartAsync(hub: null, TestAgent.UplinkSettings(mosquitto.Uri, id, LoadDevice.Password(id)));
            }
            await ConnectAllAsync(devices);
            var round = 0;
            for (; round < 10; round++)
            {
                await SendRoundAsync(devices, round);
                AppendToAgents(agents);
            }
            await StoredAtLeastAsync(cluster, 1_000);

            await cluster.KillAsync(1);
            var atKill = await StoredAsync(cluster);
            for (; round < 20; round++)
            {
                await SendRoundAsync(devices, round);
                AppendToAgents(agents);
            }
            // The two left go on storing while the third is gone.
            await StoredAtLeastAsync(cluster, atKill + 1_000);

            await cluster.StartAsync(1);
            for (; round < 30; round++)
            {
                await SendRoundAsync(devices, round);
                AppendToAgents(agents);
            }

            await ShouldHoldExactlyAsync(cluster, devices, round * RecordsPerBatch);
            foreach (var (agent, id) in agents.Zip(Agents))
            {
                await AgentShouldHoldExactlyAsync(cluster, agent, id, round * AgentRecordsPerRound);
            }
        }
        finally
        {
            await DisposeAllAsync(devices);
            foreach (var agent in agents)
            {
                await agent.DisposeAsync();
            }
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

    private async Task<(MosquittoBroker Broker, List<LoadDevice> Devices)> BrokerWithDevicesAsync(int count, IEnumerable<string>? agents = null)
    {
        var mosquitto = new MosquittoBroker(_scratch.Sub("mosquitto"));
        var ids = Enumerable.Range(1, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"sim-{i:D3}")).ToList();
        foreach (var id in ids.Concat(agents ?? []))
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

    /// <summary>The simulated devices' telemetry (the agents send theirs too, at their own pace).</summary>
    private static async Task<long> StoredAsync(ReplicaCluster cluster)
    {
        await using var db = cluster.NewContext();
        return await db.Records.LongCountAsync(r => r.Stream == SyncTopics.Telemetry && r.DeviceId.StartsWith(SimulatedPrefix), Token);
    }

    /// <summary>A round's worth of inference records into each agent's outbox, which its uplink drains through Mosquitto as it would in the field.</summary>
    private static void AppendToAgents(List<TestAgent> agents)
    {
        var record = new InferenceRecord { Model = "classifier", Version = "1", ServedBy = "local", Status = "OK", LatencyMs = 1 }.ToByteArray();
        foreach (var agent in agents)
        {
            agent.Services.GetRequiredService<DurableOutbox>().Append(SyncTopics.Inference, Enumerable.Repeat(record, AgentRecordsPerRound).ToList());
        }
    }

    /// <summary>Waits for the agent's outbox to drain and the replicas to store what Mosquitto took, then asserts its inference seq 1..<paramref name="last"/> is stored once.</summary>
    private static async Task AgentShouldHoldExactlyAsync(ReplicaCluster cluster, TestAgent agent, string id, int last)
    {
        var outbox = agent.Services.GetRequiredService<DurableOutbox>();
        await Eventually.UntilAsync(() => Task.FromResult(outbox.Stats(SyncTopics.Inference).Depth == 0), () => $"{id}'s inference backlog to drain", Token, SyncUpTestKit.DrainTimeout);
        List<long> stored = [];
        await Eventually.UntilAsync(async () =>
        {
            await using var db = cluster.NewContext();
            stored = await db.Records.Where(r => r.DeviceId == id && r.Stream == SyncTopics.Inference).Select(r => r.Seq).ToListAsync(Token);
            return stored.Count >= last;
        }, () => $"{id}: {last} inference records stored (there are {stored.Count})", Token, SyncUpTestKit.DrainTimeout);
        stored.Order().ShouldBe(Enumerable.Range(1, last).Select(i => (long)i), $"{id}: every seq once");
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
        var stored = await db.Records.Where(r => r.Stream == SyncTopics.Telemetry && r.DeviceId.StartsWith(SimulatedPrefix)).Select(r => new { r.DeviceId, r.Seq }).ToListAsync(Token);
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
