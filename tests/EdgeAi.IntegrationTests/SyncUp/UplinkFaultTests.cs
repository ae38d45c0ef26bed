using System.Text;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.SyncDown;
using EdgeAi.Agent.Uplink;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using static EdgeAi.IntegrationTests.SyncUpTestKit;

namespace EdgeAi.IntegrationTests.SyncUp;

/// <summary>
/// The uplink under faults: the agent process killed mid-flood, brokers (embedded and Mosquitto) restarted
/// mid-drain. Every test ends by checking the hub stored each sequence number exactly once.
/// </summary>
[Trait("Category", "Fault")]
public sealed class UplinkFaultTests : IDisposable
{
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
            await StoredAtLeastAsync(hub, SyncTopics.Inference, 500, Token);
            await agent.DisposeAsync(); // SIGKILL, then its error log is checked
            var atKill = (await HubStore.SequencesAsync(hub, TestHub.DeviceId, SyncTopics.Inference, Token)).Count;

            agent = await AgentProcess.StartAsync(data, settings);
            Volatile.Write(ref target, agent.HttpUri);
            await StoredAtLeastAsync(hub, SyncTopics.Inference, atKill + 500, Token);
        }
        finally
        {
            await stopFlood.CancelAsync();
            await Task.WhenAll(flood);
            await agent.DisposeAsync();
        }

        // A quiet third run (no telemetry ticks) sends what is left; then every stream's count is final.
        await using var last = await AgentProcess.StartAsync(data, ProcessSettings(hub, telemetryInterval: "01:00:00"));
        using var poll = new HttpClient();
        await Eventually.UntilAsync(async () =>
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
            await ShouldHoldExactlyAsync(hub, TestHub.DeviceId, stream, assigned, Token);
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
        await using var hub = new TestHub(_scratch.Sub("hub"), mosquitto.HubSettings());
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
        using var publisher = await DeviceMqtt.ConnectAsync(
            DeviceMqtt.DeviceOptions(mosquitto.Port, "hub-test-publisher", MosquittoBroker.HubUser, MosquittoBroker.HubPassword).Build(), Token);
        var desired = new DesiredState { Revision = 7 };
        desired.Models.Add(new DesiredModel { Name = "scale", Version = "2", Sha256 = "ab" });
        (await publisher.PublishAsync(DeviceMqtt.Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Desired), desired, retain: true), Token)).IsSuccess.ShouldBeTrue();
        await Eventually.UntilAsync(() => Task.FromResult(new DesiredStateStore(agent.DataDirectory).Current?.Revision == 7), "desired state on disk", Token);
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
        await StoredAtLeastAsync(hub, SyncTopics.Inference, 1, Token);

        await stop();
        await Eventually.UntilAsync(() => Task.FromResult(!uplink.Connected), "the uplink to notice", Token);
        outbox.Stats(SyncTopics.Inference).Depth.ShouldBeGreaterThan(0, "the broker went down after the drain had finished; nothing was tested");
        for (var i = 0; i < 20; i++)
        {
            var response = await agent.Grpc.ModelInferAsync(Requests.Fp32("scale", [1, 4], [1, 2, 3, 4]), cancellationToken: Token);
            response.Parameters["edgeai.served_by"].StringParam.ShouldBe("local");
        }
        outbox.Append(SyncTopics.Inference, Enumerable.Repeat(record, 500).ToList());

        await start();
        await Eventually.UntilAsync(() => Task.FromResult(outbox.TotalDepth == 0), "the backlog to drain", Token, DrainTimeout);
        // An external broker acknowledges before the hub has stored (the hub stores behind it, from its own
        // subscription): wait for the store to catch up, then check every record is there exactly once.
        var events = outbox.Stats(SyncTopics.Events).NextSequence - 1;
        await StoredAtLeastAsync(hub, SyncTopics.Inference, 60_500, Token);
        await StoredAtLeastAsync(hub, SyncTopics.Events, (int)events, Token);
        await ShouldHoldExactlyAsync(hub, TestHub.DeviceId, SyncTopics.Inference, 60_500, Token, inStoreOrder);
        await ShouldHoldExactlyAsync(hub, TestHub.DeviceId, SyncTopics.Events, events, Token, inStoreOrder);
    }

    public void Dispose() => _scratch.Dispose();
}
