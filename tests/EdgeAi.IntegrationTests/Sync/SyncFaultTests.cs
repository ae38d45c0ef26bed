using System.Globalization;
using System.Text;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.SyncDown;
using EdgeAi.Agent.Telemetry;
using EdgeAi.Agent.Uplink;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using EdgeAi.IntegrationTests.Cloud;
using EdgeAi.Serving.Store;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.Sync;

/// <summary>
/// Sync up under faults: the agent process killed mid-flood, brokers restarted mid-drain, the outbox
/// full while offline, a corrupt or damaged outbox file. Every test ends by checking the hub stored each sequence
/// number exactly once, in order.
/// </summary>
[Trait("Category", "Fault")]
public sealed class SyncFaultTests : IDisposable
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(90);
    private readonly Scratch _scratch = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AgentProcess_KilledMidFloodAndRestarted_EverySequenceStoredOnceInOrder()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"));
        await hub.StartAsync();
        var data = _scratch.Sub("agent");
        InstallScale(data);
        var settings = ProcessSettings(hub, telemetryInterval: "00:00:00.050");

        var agent = await AgentProcess.StartAsync(data, settings);
        using var http = new HttpClient();
        var target = agent.HttpUri;
        using var stopFlood = new CancellationTokenSource();
        var answered = 0L;
        var flood = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stopFlood.IsCancellationRequested)
            {
                try
                {
                    using var body = new StringContent(Requests.Json("input", "FP32", [1, 4], [1, 2, 3, 4]), Encoding.UTF8, "application/json");
                    using var response = await http.PostAsync(new Uri(Volatile.Read(ref target), "/v2/models/scale/infer"), body, stopFlood.Token);
                    if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Increment(ref answered);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                    // The agent is being killed or restarted: the flood goes on.
                }
            }
        })).ToList();

        try
        {
            await StoredAtLeastAsync(hub, SyncTopics.Inference, 500);
            await agent.KillAsync();
            var atKill = (await HubStore.SequencesAsync(hub, TestHub.DeviceId, SyncTopics.Inference, Token)).Count;

            agent = await AgentProcess.StartAsync(data, settings);
            Volatile.Write(ref target, agent.HttpUri);
            await StoredAtLeastAsync(hub, SyncTopics.Inference, atKill + 500);
        }
        finally
        {
            await stopFlood.CancelAsync();
            await Task.WhenAll(flood);
            await agent.KillAsync();
        }

        // A quiet third run (no telemetry ticks) sends what is left; then every stream's count is final.
        await using var last = await AgentProcess.StartAsync(data, ProcessSettings(hub, telemetryInterval: "01:00:00"));
        using var poll = new HttpClient();
        await SyncTestKit.EventuallyAsync(async () =>
        {
            foreach (var stream in SyncTopics.Streams)
            {
                if (await AgentMetrics.ReadAsync(poll, last.HttpUri, "edgeai_outbox_depth", $"stream=\"{stream}\"", Token) is not 0)
                {
                    return false;
                }
            }
            return true;
        }, "the outbox to drain", Token, DrainTimeout);
        foreach (var stream in new[] { SyncTopics.Inference, SyncTopics.Telemetry, SyncTopics.Events })
        {
            var assigned = (long)(await AgentMetrics.ReadAsync(poll, last.HttpUri, "edgeai_outbox_last_sequence", $"stream=\"{stream}\"", Token))!.Value;
            assigned.ShouldBeGreaterThan(0);
            await HubStore.ShouldHoldExactlyAsync(hub, TestHub.DeviceId, stream, assigned, Token);
        }
        Interlocked.Read(ref answered).ShouldBeGreaterThan(1000);
        (await HubStore.EventsAsync(hub, TestHub.DeviceId, Token)).Count(e => e.Kind == "agent_started").ShouldBe(3);
    }

    [Fact]
    public async Task EmbeddedBroker_RestartedDuringDrain_DeviceServesAndBacklogArrivesOnce()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"));
        await hub.StartAsync();
        await using var agent = new TestAgent(_scratch.Sub("agent"));
        agent.Install("scale", SampleModels.Scale(2f));
        await agent.StartAsync(hub, new Dictionary<string, string?> { ["Telemetry:Interval"] = "01:00:00" });

        await BrokerDownDuringDrainAsync(hub, agent, stop: hub.StopAsync, start: hub.StartAsync, inStoreOrder: true);
    }

    [Fact]
    public async Task Mosquitto_RestartedDuringDrain_DeviceServesAndBacklogArrivesOnce_DesiredStatePersisted()
    {
        await using var mosquitto = new MosquittoBroker(_scratch.Sub("mosquitto"));
        mosquitto.AddDevice(TestHub.DeviceId, TestHub.DeviceKey);
        await mosquitto.StartAsync(Token);
        await using var hub = new TestHub(_scratch.Sub("hub"), new Dictionary<string, string?>
        {
            ["Hub:Mqtt:ExternalBroker"] = mosquitto.Uri,
            ["Hub:Mqtt:ExternalUsername"] = MosquittoBroker.HubUser,
            ["Hub:Mqtt:ExternalPassword"] = MosquittoBroker.HubPassword,
        });
        await hub.StartAsync();
        await using var agent = new TestAgent(_scratch.Sub("agent"));
        agent.Install("scale", SampleModels.Scale(2f));
        var settings = TestAgent.UplinkSettings(mosquitto.Uri);
        settings["Telemetry:Interval"] = "01:00:00";
        await agent.StartAsync(hub, settings);

        // Mosquitto restores the hub's queued messages after its restart and delivers them beside the
        // device's re-sent ones, so a batch can be stored after a later one: each seq once, not in store order.
        await BrokerDownDuringDrainAsync(hub, agent, stop: mosquitto.StopAsync, start: () => mosquitto.StartAsync(Token), inStoreOrder: false);

        // Sync down: a retained desired state reaches the device and is kept on disk.
        using var publisher = await SyncTestKit.ConnectAsync(
            SyncTestKit.DeviceOptions(mosquitto.Port, "hub-test-publisher", MosquittoBroker.HubUser, MosquittoBroker.HubPassword).Build(), Token);
        var desired = new DesiredState { Revision = 7 };
        desired.Models.Add(new DesiredModel { Name = "scale", Version = "2", Sha256 = "ab" });
        (await publisher.PublishAsync(SyncTestKit.Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Desired), desired, retain: true), Token)).IsSuccess.ShouldBeTrue();
        await SyncTestKit.EventuallyAsync(() => Task.FromResult(new DesiredStateStore(agent.DataDirectory).Current?.Revision == 7), "desired state on disk", Token);
    }

    [Fact]
    public async Task Outbox_CapReachedWhileOffline_TelemetryDropsOldestCountedStatusKept()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"));
        await hub.StartAsync();
        await hub.StopAsync(); // its ports are known; the agent starts while it is down
        await using var agent = new TestAgent(_scratch.Sub("agent"));
        var settings = TestAgent.UplinkSettings($"mqtt://127.0.0.1:{hub.MqttPort}");
        settings["Telemetry:Interval"] = "01:00:00";
        settings["Outbox:MaxTotalRecords"] = "40";
        settings["Outbox:Streams:telemetry:MaxRecords"] = "25";
        await agent.StartAsync(null, settings);
        var outbox = agent.Services.GetRequiredService<DurableOutbox>();
        var collector = agent.Services.GetRequiredService<TelemetryCollector>();

        for (var i = 0; i < 60; i++)
        {
            collector.Collect();
        }
        for (var i = 1; i <= 30; i++)
        {
            outbox.Append(SyncTopics.Deployments, new DeploymentStatus { DesiredRevision = i, Model = "scale", Version = "1", State = "active" }.ToByteArray());
        }

        // Deployment reports are never dropped: telemetry made room for them, oldest first, and counted it.
        outbox.Stats(SyncTopics.Deployments).Depth.ShouldBe(30);
        var telemetry = outbox.Stats(SyncTopics.Telemetry);
        telemetry.Depth.ShouldBeLessThanOrEqualTo(25);
        telemetry.Dropped.ShouldBe(60 - telemetry.Depth);
        collector.Collect(); // reports the drops

        await hub.StartAsync();
        await SyncTestKit.EventuallyAsync(() => Task.FromResult(outbox.TotalDepth == 0), "the outbox to drain", Token, DrainTimeout);
        await HubStore.ShouldHoldExactlyAsync(hub, TestHub.DeviceId, SyncTopics.Deployments, 30, Token);
        var stored = await HubStore.SequencesAsync(hub, TestHub.DeviceId, SyncTopics.Telemetry, Token);
        stored.Select(s => s.Seq).ShouldBe(Enumerable.Range(62 - stored.Count, stored.Count).Select(i => (long)i), "the newest telemetry survives");
        var newest = Telemetry.Parser.ParseFrom((await HubStore.BodiesAsync(hub, TestHub.DeviceId, SyncTopics.Telemetry, Token))[^1]);
        newest.Outbox.Single(o => o.Stream == SyncTopics.Telemetry).Dropped.ShouldBe(telemetry.Dropped);
    }

    [Fact]
    public async Task Agent_CorruptOutboxAtStart_MovedAsideReportedAndServes()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"));
        await hub.StartAsync();
        var data = _scratch.Sub("agent");
        await using (var first = new TestAgent(data))
        {
            await first.StartAsync(hub);
            await SyncTestKit.EventuallyAsync(async () => (await HubStore.EventsAsync(hub, TestHub.DeviceId, Token)).Count == 1, "the first start event", Token);
        }
        await File.WriteAllBytesAsync(Path.Combine(data, "outbox.db"), Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("not a LiteDB file. ", 2000))), Token);

        await using var agent = new TestAgent(data);
        agent.Install("scale", SampleModels.Scale(2f));
        await agent.StartAsync(hub);

        (await agent.Grpc.ModelInferAsync(Requests.Fp32("scale", [1, 4], [1, 2, 3, 4]), cancellationToken: Token)).Outputs.Count.ShouldBe(1);
        Directory.GetFiles(data, "outbox.db.corrupt-*").ShouldNotBeEmpty();
        // The fresh file's sequence numbers start at 1 again, in a new epoch: the hub keeps them apart from the first file's.
        await SyncTestKit.EventuallyAsync(async () => (await HubStore.EventsAsync(hub, TestHub.DeviceId, Token)).Any(e => e.Kind == "outbox_reset" && e.Severity == "error"),
            "the outbox_reset event at the hub", Token);
        (await HubStore.EventsAsync(hub, TestHub.DeviceId, Token)).Count(e => e.Kind == "agent_started").ShouldBe(2);
    }

    [Fact]
    public async Task AgentProcess_OutboxWithADamagedMiddlePage_ServesSendsTheSalvagedRecordsAndReportsTheReset()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"));
        await hub.StartAsync();
        var data = _scratch.Sub("agent");
        InstallScale(data);
        // A few thousand unsent records, then one 8 KiB data page in the middle overwritten with garbage.
        var file = Path.Combine(data, new OutboxOptions().FileName);
        long epoch;
        using (var outbox = DurableOutbox.Open(file, new OutboxOptions(), TimeProvider.System))
        {
            epoch = outbox.Epoch;
            var record = new InferenceRecord { Model = "scale", Version = "1", ServedBy = "local", Status = "OK", LatencyMs = 1 }.ToByteArray();
            for (var i = 0; i < 30; i++)
            {
                outbox.Append(SyncTopics.Inference, Enumerable.Repeat(record, 100).ToList());
            }
        }
        OverwriteMiddleDataPage(file, "s_" + SyncTopics.Inference);

        await using var agent = await AgentProcess.StartAsync(data, ProcessSettings(hub, telemetryInterval: "01:00:00"));

        using var http = new HttpClient();
        using (var body = new StringContent(Requests.Json("input", "FP32", [1, 4], [1, 2, 3, 4]), Encoding.UTF8, "application/json"))
        using (var response = await http.PostAsync(new Uri(agent.HttpUri, "/v2/models/scale/infer"), body, Token))
        {
            response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync(Token));
        }
        (await AgentMetrics.ReadAsync(http, agent.HttpUri, "edgeai_outbox_resets_total", "", Token)).ShouldBe(1);
        (await AgentMetrics.ReadAsync(http, agent.HttpUri, "edgeai_agent_loop_restarts_total", "loop=\"uplink\"", Token)).ShouldBe(0);

        await SyncTestKit.EventuallyAsync(async () => (await HubStore.EventsAsync(hub, TestHub.DeviceId, Token)).Any(e => e.Kind == "outbox_reset"),
            () => "the outbox_reset event at the hub\n" + agent.Output, Token, DrainTimeout);
        var reset = (await HubStore.EventsAsync(hub, TestHub.DeviceId, Token)).Single(e => e.Kind == "outbox_reset");
        var saved = long.Parse(reset.Attributes["inference_saved"], CultureInfo.InvariantCulture);
        var lost = long.Parse(reset.Attributes["inference_lost"], CultureInfo.InvariantCulture);
        lost.ShouldBeGreaterThan(0);
        (saved + lost).ShouldBe(3000);
        reset.Attributes["old_epoch"].ShouldBe(epoch.ToString(CultureInfo.InvariantCulture));

        // The salvaged records arrive under the epoch and numbers they had; new ones under the new epoch.
        await SyncTestKit.EventuallyAsync(async () => (await HubStore.EpochSequencesAsync(hub, TestHub.DeviceId, SyncTopics.Inference, Token)).Count(r => r.Epoch == epoch) >= saved,
            () => "the salvaged records at the hub\n" + agent.Output, Token, DrainTimeout);
        var old = (await HubStore.EpochSequencesAsync(hub, TestHub.DeviceId, SyncTopics.Inference, Token)).Where(r => r.Epoch == epoch).Select(r => r.Seq).ToList();
        old.Count.ShouldBe((int)saved);
        old.ShouldBeInOrder(SortDirection.Ascending);
        old.Distinct().Count().ShouldBe(old.Count);
        old.ShouldAllBe(seq => seq >= 1 && seq <= 3000);
        using (var metrics = await http.GetAsync(new Uri(agent.HttpUri, "/metrics"), Token))
        {
            metrics.IsSuccessStatusCode.ShouldBeTrue();
        }
        agent.HasExited.ShouldBeFalse(agent.Output);
    }

    private static void OverwriteMiddleDataPage(string file, string collection)
    {
        const int pageSize = OutboxFileReader.PageSize;
        var owner = OutboxFileReader.ReadCollectionNames(file)![collection];
        var bytes = File.ReadAllBytes(file);
        // LiteDB 5 page header: type at byte 4 (4 = data), owning collection at byte 19.
        var pages = Enumerable.Range(0, bytes.Length / pageSize)
            .Where(p => bytes[(p * pageSize) + 4] == 4 && BitConverter.ToUInt32(bytes, (p * pageSize) + 19) == owner)
            .ToList();
        pages.Count.ShouldBeGreaterThan(4);
        new Random(7).NextBytes(bytes.AsSpan(pages[pages.Count / 2] * pageSize, pageSize));
        File.WriteAllBytes(file, bytes);
    }

    /// <summary>
    /// Fills the outbox, stops the broker once the drain is under way, serves inference and adds
    /// records while it is down, starts it again, and checks every record arrived exactly once.
    /// </summary>
    private static async Task BrokerDownDuringDrainAsync(TestHub hub, TestAgent agent, Func<Task> stop, Func<Task> start, bool inStoreOrder)
    {
        var outbox = agent.Services.GetRequiredService<DurableOutbox>();
        var uplink = agent.Services.GetRequiredService<UplinkState>();
        var record = new InferenceRecord { Model = "scale", Version = "1", ServedBy = "local", Status = "OK", LatencyMs = 1 }.ToByteArray();
        for (var i = 0; i < 60; i++)
        {
            outbox.Append(SyncTopics.Inference, Enumerable.Repeat(record, 1000).ToList());
        }
        await StoredAtLeastAsync(hub, SyncTopics.Inference, 1);

        await stop();
        await SyncTestKit.EventuallyAsync(() => Task.FromResult(!uplink.Connected), "the uplink to notice", Token);
        outbox.Stats(SyncTopics.Inference).Depth.ShouldBeGreaterThan(0, "the broker went down after the drain had finished; nothing was tested");
        for (var i = 0; i < 20; i++)
        {
            var response = await agent.Grpc.ModelInferAsync(Requests.Fp32("scale", [1, 4], [1, 2, 3, 4]), cancellationToken: Token);
            response.Parameters["edgeai.served_by"].StringParam.ShouldBe("local");
        }
        outbox.Append(SyncTopics.Inference, Enumerable.Repeat(record, 500).ToList());

        await start();
        await SyncTestKit.EventuallyAsync(() => Task.FromResult(outbox.TotalDepth == 0), "the backlog to drain", Token, DrainTimeout);
        await HubStore.ShouldHoldExactlyAsync(hub, TestHub.DeviceId, SyncTopics.Inference, 60_500, Token, inStoreOrder);
        await HubStore.ShouldHoldExactlyAsync(hub, TestHub.DeviceId, SyncTopics.Events, outbox.Stats(SyncTopics.Events).NextSequence - 1, Token, inStoreOrder);
    }

    private static Task StoredAtLeastAsync(TestHub hub, string stream, int count) =>
        SyncTestKit.EventuallyAsync(async () => (await HubStore.SequencesAsync(hub, TestHub.DeviceId, stream, Token)).Count >= count,
            $"{count} {stream} records at the hub", Token, DrainTimeout);

    private static void InstallScale(string data)
    {
        var file = Path.Combine(data, "scale.onnx");
        File.WriteAllBytes(file, SampleModels.Scale(2f));
        new ModelStore(Path.Combine(data, "models"), TimeProvider.System).Add(file, "scale", "1");
    }

    private static Dictionary<string, string> ProcessSettings(TestHub hub, string telemetryInterval)
    {
        var settings = TestAgent.UplinkSettings($"mqtt://127.0.0.1:{hub.MqttPort}")
            .ToDictionary(kv => kv.Key, kv => kv.Value!);
        settings["Telemetry:Interval"] = telemetryInterval;
        settings["Telemetry:InferenceRecords"] = "Sampled";
        settings["Telemetry:SampleRate"] = "1";
        settings["Logging:LogLevel:Default"] = "Warning";
        settings["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information";
        settings["Logging:LogLevel:EdgeAi.Agent.Hosting"] = "Information";
        return settings;
    }

    public void Dispose() => _scratch.Dispose();
}
