using EdgeAi.Common.Sync;
using MQTTnet;
using static EdgeAi.Testing.Mqtt.DeviceMqtt;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Broker;

/// <summary>The hub as a client of a real Mosquitto 2 (shared subscription, persistent session, ack after store).</summary>
public sealed class ExternalBrokerTests() : MosquittoHubTest(
    new Dictionary<string, string> { [TestHub.DeviceId] = TestHub.DeviceKey },
    "hub-under-test",
    new Dictionary<string, string?>
    {
        ["Hub:Mqtt:ReconnectDelay"] = "00:00:00.200",
        ["Hub:Mqtt:MaxReconnectDelay"] = "00:00:01",
        ["Logging:LogLevel:EdgeAi.Hub.Broker"] = "Information",
    })
{
    [Fact]
    public async Task Publish_ViaMosquittoTwice_StoredExactlyOnce()
    {
        await WaitHubSubscribedAsync();
        using var device = await ConnectDeviceAsync(Broker.Port, Token);
        var batch = TelemetryBatch(1, 200);

        (await device.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), batch), Token)).IsSuccess.ShouldBeTrue(Broker.Log);
        (await device.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), batch), Token)).IsSuccess.ShouldBeTrue(Broker.Log);

        await Eventually.UntilAsync(async () => await HubStore.StoredCountAsync(Hub, TestHub.DeviceId, SyncTopics.Telemetry, Token) == 200, "200 records stored", Token);
        await Eventually.UntilAsync(() => Task.FromResult(Metric("edgeai_hub_ingest_duplicates_ignored_total") == 200), "the resent batch seen as duplicates", Token);
        (await HubStore.StoredCountAsync(Hub, TestHub.DeviceId, SyncTopics.Telemetry, Token)).ShouldBe(200);
    }

    [Fact]
    public async Task Publish_MosquittoRestartedBetweenPublishes_HubReconnectsAndIngestsBoth()
    {
        await WaitHubSubscribedAsync();
        using (var device = await ConnectDeviceAsync(Broker.Port, Token))
        {
            (await device.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), TelemetryBatch(1, 10)), Token)).IsSuccess.ShouldBeTrue();
        }
        await Eventually.UntilAsync(async () => await HubStore.StoredCountAsync(Hub, TestHub.DeviceId, SyncTopics.Telemetry, Token) == 10, "first batch stored", Token);

        await Broker.StopAsync();
        await Broker.StartAsync(Token);
        // Mosquitto 2.0.11 did not hand the hub messages published while it was still reconnecting
        // (its restored session lacks the shared subscription), so wait until the hub is back.
        await WaitHubSubscribedAsync();

        using (var device = await ConnectDeviceAsync(Broker.Port, Token))
        {
            (await device.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), TelemetryBatch(11, 10)), Token)).IsSuccess.ShouldBeTrue();
        }
        await Eventually.UntilAsync(async () => await HubStore.StoredCountAsync(Hub, TestHub.DeviceId, SyncTopics.Telemetry, Token) == 20,
            () => "second batch stored after the broker restart\n" + Broker.Log, Token);
    }

    [Fact]
    public async Task HubStartedAfterDeviceSaidOnline_LearnsPresenceFromRetainedStatus()
    {
        await Hub.StopAsync();
        using var device = await ConnectDeviceAsync(Broker.Port, Token);
        (await device.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Status), Online(), retain: true), Token)).IsSuccess.ShouldBeTrue(Broker.Log);

        // A hub that never saw the device (new store, new session: nothing queued for it) starts while the device stays connected.
        await using var fresh = new TestHub(Scratch.Sub("fresh-hub"), Broker.HubSettings("fresh-hub-under-test"));
        await fresh.StartAsync();

        using var admin = AdminClient(fresh);
        await Eventually.UntilAsync(async () =>
        {
            var devices = await GetJsonAsync(admin, "/api/devices", Token);
            return devices.EnumerateArray().Any(d => d.GetProperty("id").GetString() == TestHub.DeviceId && d.GetProperty("state").GetString() == "online");
        }, () => "the fresh hub to learn the device is online from its retained status\n" + Broker.Log, Token);
    }

    [Fact]
    public async Task HubRestarted_RetainedStatusReadAgain_PresenceKeptLastSeenNotMoved()
    {
        await WaitHubSubscribedAsync();
        using var device = await ConnectDeviceAsync(Broker.Port, Token);
        var batches = Metric("edgeai_hub_ingest_batches_total");
        (await device.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Status), Online(), retain: true), Token)).IsSuccess.ShouldBeTrue(Broker.Log);
        await Eventually.UntilAsync(() => Task.FromResult(Metric("edgeai_hub_ingest_batches_total") > batches), "the retained status stored", Token);
        var seen = (await HubStore.DeviceAsync(Hub, TestHub.DeviceId, Token))!;
        seen.Online.ShouldBeTrue();

        await Hub.StopAsync();
        await Hub.StartAsync();

        // On subscribing again the broker re-sends the retained status: it keeps the device online, but says nothing about when it was last heard.
        await Eventually.UntilAsync(() => Task.FromResult(Metric("edgeai_hub_ingest_batches_total") >= 1), () => "the retained status read again\n" + Broker.Log, Token);
        var after = (await HubStore.DeviceAsync(Hub, TestHub.DeviceId, Token))!;
        after.Online.ShouldBeTrue();
        after.LastSeenAtMs.ShouldBe(seen.LastSeenAtMs);
    }

    /// <summary>The hub logs in asynchronously after start; a status round trip proves it is subscribed.</summary>
    private async Task WaitHubSubscribedAsync()
    {
        var before = Metric("edgeai_hub_ingest_batches_total");
        using var device = await ConnectDeviceAsync(Broker.Port, Token);
        await device.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Status), Online()), Token);
        await Eventually.UntilAsync(async () =>
        {
            if (Metric("edgeai_hub_ingest_batches_total") > before)
            {
                return true;
            }
            // Published before the hub subscribed (not retained for a shared subscription): say it again.
            await device.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Status), Online()), Token);
            return false;
        }, () => "the hub to receive from Mosquitto\n" + Broker.Log, Token);
    }

    private long Metric(string name)
    {
        var metrics = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<EdgeAi.Common.Metrics.PrometheusExporter>(Hub.Services).Collect();
        var line = metrics.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return long.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
