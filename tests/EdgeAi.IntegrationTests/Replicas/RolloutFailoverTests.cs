using System.Diagnostics;
using System.Globalization;
using EdgeAi.Common.Onnx;
using EdgeAi.IntegrationTests.Deployments;
using Microsoft.EntityFrameworkCore;
using static EdgeAi.IntegrationTests.RolloutTestKit;

namespace EdgeAi.IntegrationTests.Replicas;

/// <summary>
/// The leader lease at work (real hub processes, one PostgreSQL, one Mosquitto; skipped without
/// EDGEAI_TEST_POSTGRES): the replica that runs the rollout controller is SIGKILLed mid-rollout, and the
/// next leader finishes the rollout from the store within the lease time. The failover time (SIGKILL to
/// the next rollout step the devices see) is measured and printed. The killed replica is started again
/// at once, as its supervisor would: Mosquitto 2.0 keeps the share of messages it assigned to a
/// disconnected persistent session for that session.
/// </summary>
[Trait("Category", "Fault")]
public sealed class RolloutFailoverTests : IAsyncLifetime
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(3);

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
    public async Task RolloutInWaves_LeaderKilledMidRollout_NextLeaderFinishesWithinLeaseTime()
    {
        if (_database is not { } database)
        {
            Assert.Skip(TestDatabase.Unavailable);
            return;
        }
        var ids = Enumerable.Range(1, 4).Select(i => string.Create(CultureInfo.InvariantCulture, $"dev-{i}")).ToList();
        await using var mosquitto = new MosquittoBroker(_scratch.Sub("mosquitto"));
        foreach (var id in ids)
        {
            mosquitto.AddDevice(id, Key(id));
        }
        await mosquitto.StartAsync(Token);
        await using var cluster = new ReplicaCluster(_scratch.Sub("hub"), database, mosquitto, replicas: 2, new Dictionary<string, string>
        {
            ["Hub:Lease:Duration"] = LeaseDuration.ToString(),
            ["Hub:Deployments:PollInterval"] = "00:00:00.100",
        });
        await cluster.StartAllAsync();
        int? leader = null;
        await Eventually.UntilAsync(async () => (leader = await cluster.LeaderAsync(Token)) is not null, "a replica to lead", Token);
        var follower = 1 - leader!.Value;

        var devices = new List<SimulatedDevice>();
        try
        {
            foreach (var id in ids)
            {
                devices.Add(await SimulatedDevice.ConnectAsync(mosquitto.Port, id, Key(id), Token));
            }
            await KnownAsync(cluster, devices);
            // Everything through the follower: any replica serves the admin API, and the leader is about to die.
            using var admin = cluster.Admin(follower);
            await PushOkAsync(admin, "classifier", "1", SampleModels.Classifier(), Token);
            var deployment = await DeployAsync(admin, """{"model":"classifier","version":"1","waves":[50,100],"healthTimeout":"1m"}""", Token);
            await Eventually.UntilAsync(() => Task.FromResult(devices.Count(Asked) == 2), () => $"wave 1 (2 devices) asked to run classifier 1: {Asked(devices)}", Token);
            var first = devices.Where(Asked).ToList();

            var epoch = await EpochAsync(cluster);
            var killed = Stopwatch.StartNew();
            await cluster.KillAsync(leader.Value);
            // Started again at once, as its supervisor (systemd, an orchestrator) would: Mosquitto 2.0 queues a share of the
            // group's messages for a disconnected persistent session, and only that session's return delivers them.
            var restart = cluster.StartAsync(leader.Value).ContinueWith(_ => killed.Elapsed, TaskScheduler.Default);
            // Wave 1 reports healthy; only a live leader can pass its gate and move wave 2.
            foreach (var device in first)
            {
                await device.ReportAsync("classifier", "1", "active", Token);
            }
            await Eventually.UntilAsync(async () => await EpochAsync(cluster) > epoch, "another replica to take the lease", Token);
            var takenOver = killed.Elapsed;
            var seen = "";
            await Eventually.UntilAsync(async () =>
            {
                seen = (await DeploymentAsync(admin, deployment, Token)).ToString();
                return devices.All(Asked);
            }, () => $"wave 2 asked to run classifier 1: {Asked(devices)}; deployment {seen}", Token);
            var nextStep = killed.Elapsed;
            var restarted = await restart;
            var message = $"[failover] lease {LeaseDuration.TotalSeconds:0.#} s, 2 replicas: leader SIGKILL -> lease taken over by the next leader {takenOver.TotalSeconds:0.00} s -> next rollout step (wave 2 published) {nextStep.TotalSeconds:0.00} s (killed replica back up at {restarted.TotalSeconds:0.00} s)";
            Console.WriteLine(message);
            TestContext.Current.TestOutputHelper?.WriteLine(message);
            takenOver.ShouldBeLessThan(LeaseDuration + (LeaseDuration / 3) + TimeSpan.FromSeconds(2), "the next leader takes over within the lease time (plus an ask and a loaded machine's slack)");
            // A report Mosquitto queued for the killed replica's session arrives when that replica is back: the step follows
            // the later of the takeover and the return, promptly.
            nextStep.ShouldBeLessThan((takenOver > restarted ? takenOver : restarted) + TimeSpan.FromSeconds(3), "the next leader moves the rollout on as soon as the reports are in");

            foreach (var device in devices.Except(first))
            {
                await device.ReportAsync("classifier", "1", "active", Token);
            }
            var done = await WaitForStateAsync(admin, deployment, "completed", Token);
            done.GetProperty("state").GetString().ShouldBe("completed");
            (await EpochAsync(cluster)).ShouldBeGreaterThan(epoch, "a takeover raises the epoch");
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }

    private static async Task<long> EpochAsync(ReplicaCluster cluster)
    {
        await using var db = cluster.NewContext();
        return await db.Leases.AsNoTracking().Select(l => l.Epoch).SingleAsync(Token);
    }

    private static bool Asked(SimulatedDevice device) => device.DesiredModel("classifier") is { Version: "1" };

    private static string Asked(IEnumerable<SimulatedDevice> devices) => string.Join(", ", devices.Select(d => $"{d.Id}={(Asked(d) ? "asked" : "-")}"));

    /// <summary>Announces each device until the store knows it (the status reaches the hubs through the shared subscription, which gets no retained messages).</summary>
    private static Task KnownAsync(ReplicaCluster cluster, List<SimulatedDevice> devices) =>
        Eventually.UntilAsync(async () =>
        {
            await using var db = cluster.NewContext();
            var known = await db.Devices.Select(d => d.Id).ToListAsync(Token);
            var missing = devices.Where(d => !known.Contains(d.Id)).ToList();
            foreach (var device in missing)
            {
                await device.AnnounceAsync(Token);
            }
            return missing.Count == 0;
        }, "every device known to the hubs", Token);

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        _scratch.Dispose();
    }
}
