using System.Globalization;
using System.Text;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Telemetry;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using static EdgeAi.IntegrationTests.SyncUpTestKit;

namespace EdgeAi.IntegrationTests.Outbox;

/// <summary>
/// The outbox under faults: full while offline, a corrupt file, a file with a damaged page. The device keeps
/// serving, and the hub gets what could be kept, each sequence number once.
/// </summary>
[Trait("Category", "Fault")]
public sealed class OutboxFaultTests : IDisposable
{
    private readonly Scratch _scratch = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

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
        await Eventually.UntilAsync(() => Task.FromResult(outbox.TotalDepth == 0), "the outbox to drain", Token, DrainTimeout);
        await ShouldHoldExactlyAsync(hub, TestHub.DeviceId, SyncTopics.Deployments, 30, Token);
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
            await Eventually.UntilAsync(async () => (await HubStore.EventsAsync(hub, TestHub.DeviceId, Token)).Count == 1, "the first start event", Token);
        }
        await File.WriteAllBytesAsync(Path.Combine(data, "outbox.db"), Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("not a LiteDB file. ", 2000))), Token);

        await using var agent = new TestAgent(data);
        agent.Install("scale", SampleModels.Scale(2f));
        // Replacing the damaged file is what this test is about; the agent logs it as the error it is.
        agent.ExpectErrors(typeof(DurableOutbox), 2501, "Outbox file replaced");
        await agent.StartAsync(hub);

        (await agent.Grpc.ModelInferAsync(Requests.Fp32("scale", [1, 4], [1, 2, 3, 4]), cancellationToken: Token)).Outputs.Count.ShouldBe(1);
        Directory.GetFiles(data, "outbox.db.corrupt-*").ShouldNotBeEmpty();
        // The fresh file's sequence numbers start at 1 again, in a new epoch: the hub keeps them apart from the first file's.
        await Eventually.UntilAsync(async () => (await HubStore.EventsAsync(hub, TestHub.DeviceId, Token)).Any(e => e.Kind == "outbox_reset" && e.Severity == "error"),
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
        // The damaged page is this test's doing: the reset it causes is logged as an error.
        agent.ExpectErrors(typeof(DurableOutbox), 2501, "Outbox file replaced");

        using var http = new HttpClient();
        using (var body = new StringContent(Requests.Json("input", "FP32", [1, 4], [1, 2, 3, 4]), Encoding.UTF8, "application/json"))
        using (var response = await http.PostAsync(new Uri(agent.HttpUri, "/v2/models/scale/infer"), body, Token))
        {
            response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync(Token));
        }
        (await AgentMetrics.ReadAsync(http, agent.HttpUri, "edgeai_outbox_resets_total", "", Token)).ShouldBe(1);
        (await AgentMetrics.ReadAsync(http, agent.HttpUri, "edgeai_agent_loop_restarts_total", "loop=\"uplink\"", Token)).ShouldBe(0);

        await Eventually.UntilAsync(async () => (await HubStore.EventsAsync(hub, TestHub.DeviceId, Token)).Any(e => e.Kind == "outbox_reset"),
            () => "the outbox_reset event at the hub\n" + agent.Output, Token, DrainTimeout);
        var reset = (await HubStore.EventsAsync(hub, TestHub.DeviceId, Token)).Single(e => e.Kind == "outbox_reset");
        var saved = long.Parse(reset.Attributes["inference_saved"], CultureInfo.InvariantCulture);
        var lost = long.Parse(reset.Attributes["inference_lost"], CultureInfo.InvariantCulture);
        lost.ShouldBeGreaterThan(0);
        (saved + lost).ShouldBe(3000);
        reset.Attributes["old_epoch"].ShouldBe(epoch.ToString(CultureInfo.InvariantCulture));

        // The salvaged records arrive under the epoch and numbers they had; new ones under the new epoch.
        await Eventually.UntilAsync(async () => (await HubStore.EpochSequencesAsync(hub, TestHub.DeviceId, SyncTopics.Inference, Token)).Count(r => r.Epoch == epoch) >= saved,
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

    public void Dispose() => _scratch.Dispose();
}
