using EdgeAi.Agent.Uplink;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.SyncUp;

/// <summary>A real agent's uplink to a real hub's embedded broker: what arrives, presence, TLS.</summary>
public sealed class UplinkTests : IDisposable
{
    private readonly Scratch _scratch = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Agent_WithUplink_DeliversTelemetryEventsReportedAndPresence()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"));
        await hub.StartAsync();
        var agent = new TestAgent(_scratch.Sub("agent"));
        agent.Install("scale", SampleModels.Scale(2f));
        await agent.StartAsync(hub, new Dictionary<string, string?> { ["Telemetry:Interval"] = "00:00:00.100" });
        (await agent.Grpc.ModelInferAsync(Requests.Fp32("scale", [1, 4], [1, 2, 3, 4]), cancellationToken: Token)).ModelName.ShouldBe("scale");

        await Eventually.UntilAsync(async () => (await HubStore.BodiesAsync(hub, TestHub.DeviceId, SyncTopics.Telemetry, Token))
            .Select(Telemetry.Parser.ParseFrom).Any(t => t.Models.Any(m => m.Model == "scale" && m.ServedLocal == 1)), "telemetry counting the request", Token);
        var telemetry = (await HubStore.BodiesAsync(hub, TestHub.DeviceId, SyncTopics.Telemetry, Token)).Select(Telemetry.Parser.ParseFrom).ToList();
        var health = telemetry[^1].Health;
        health.MemoryTotalBytes.ShouldBeGreaterThan(0);
        health.DiskTotalBytes.ShouldBeGreaterThan(0);
        health.ProcessRssBytes.ShouldBeGreaterThan(0);
        health.ExecutionProviders.ShouldContain("CPU");
        telemetry[^1].Outbox.Select(o => o.Stream).ShouldBe(SyncTopics.Streams);
        // Each stream and presence travel on their own: telemetry having arrived says nothing about the others.
        await Eventually.UntilAsync(async () => (await HubStore.EventsAsync(hub, TestHub.DeviceId, Token)).Any(e => e.Kind == "agent_started"),
            "the agent_started event", Token);
        await Eventually.UntilAsync(async () => (await HubStore.BodiesAsync(hub, TestHub.DeviceId, SyncTopics.Reported, Token))
            .Select(ReportedState.Parser.ParseFrom).LastOrDefault()?.Models.Any(m => m.Name == "scale" && m.Version == "1" && m.ExecutionProvider == "CPU") == true,
            "reported state naming scale v1 on CPU", Token);
        await Eventually.UntilAsync(async () => await HubStore.DeviceAsync(hub, TestHub.DeviceId, Token) is { Online: true }, "device online", Token);

        await agent.DisposeAsync();

        await Eventually.UntilAsync(async () => await HubStore.DeviceAsync(hub, TestHub.DeviceId, Token) is { Online: false }, "device offline", Token);
        (await HubStore.DeviceAsync(hub, TestHub.DeviceId, Token))!.LastOfflineReason.ShouldBe("shutdown");
    }

    [Fact]
    public async Task Agent_UplinkOverTls_TrustsHubByFingerprint()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"));
        await hub.StartAsync();
        await using var agent = new TestAgent(_scratch.Sub("agent"));
        await agent.StartAsync(hub, new Dictionary<string, string?>
        {
            ["Uplink:BrokerUrl"] = $"mqtts://127.0.0.1:{hub.MqttTlsPort}",
        });

        await Eventually.UntilAsync(async () => (await HubStore.EventsAsync(hub, TestHub.DeviceId, Token)).Any(e => e.Kind == "agent_started"),
            "the start event over TLS", Token);
        agent.Services.GetRequiredService<UplinkState>().Connected.ShouldBeTrue();
    }

    [Fact]
    public async Task Agent_WrongDeviceKey_BrokerRefusesAndRecordsStayInOutbox()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"));
        await hub.StartAsync();
        await using var agent = new TestAgent(_scratch.Sub("agent"));
        await agent.StartAsync(hub, new Dictionary<string, string?> { ["Cloud:DeviceKey"] = "not-the-key-0123456789" });

        var state = agent.Services.GetRequiredService<UplinkState>();
        await Eventually.UntilAsync(() => Task.FromResult(state.Failures >= 2), "refused connection attempts", Token);
        state.Connected.ShouldBeFalse();
        state.RecordsSent.ShouldBe(0);
        agent.Services.GetRequiredService<EdgeAi.Agent.Outbox.DurableOutbox>().Stats(SyncTopics.Events).Depth.ShouldBeGreaterThan(0);
        (await HubStore.SequencesAsync(hub, TestHub.DeviceId, SyncTopics.Events, Token)).ShouldBeEmpty();
    }

    public void Dispose() => _scratch.Dispose();
}
