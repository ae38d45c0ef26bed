using EdgeAi.Common.Sync;
using EdgeAi.IntegrationTests.Cloud;
using MQTTnet;
using static EdgeAi.IntegrationTests.Sync.SyncTestKit;

namespace EdgeAi.IntegrationTests.Sync;

/// <summary>The hub as a client of a real Mosquitto 2 (shared subscription, persistent session, ack after store).</summary>
public sealed class ExternalBrokerTests : IAsyncLifetime
{
    private readonly Scratch _scratch = new();
    private MosquittoBroker _broker = null!;
    private TestHub _hub = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _broker = new MosquittoBroker(_scratch.Sub("mosquitto"));
        _broker.AddDevice(TestHub.DeviceId, TestHub.DeviceKey);
        await _broker.StartAsync(Token);
        _hub = new TestHub(_scratch.Sub("hub"), new Dictionary<string, string?>
        {
            ["Hub:Mqtt:ExternalBroker"] = _broker.Uri,
            ["Hub:Mqtt:ExternalUsername"] = MosquittoBroker.HubUser,
            ["Hub:Mqtt:ExternalPassword"] = MosquittoBroker.HubPassword,
            ["Hub:Mqtt:ClientId"] = "hub-under-test",
            ["Hub:Mqtt:ReconnectDelay"] = "00:00:00.200",
            ["Hub:Mqtt:MaxReconnectDelay"] = "00:00:01",
            ["Logging:LogLevel:EdgeAi.Hub.Broker"] = "Information",
        });
        await _hub.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _hub.DisposeAsync();
        await _broker.DisposeAsync();
        _scratch.Dispose();
    }

    [Fact]
    public async Task Publish_ViaMosquittoTwice_StoredExactlyOnce()
    {
        await WaitHubSubscribedAsync();
        using var device = await ConnectDeviceAsync(_broker.Port, Token);
        var batch = TelemetryBatch(1, 200);

        (await device.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), batch), Token)).IsSuccess.ShouldBeTrue(_broker.Log);
        (await device.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), batch), Token)).IsSuccess.ShouldBeTrue(_broker.Log);

        await EventuallyAsync(async () => await HubStore.StoredCountAsync(_hub, TestHub.DeviceId, SyncTopics.Telemetry, Token) == 200, "200 records stored", Token);
        await EventuallyAsync(() => Task.FromResult(Metric("edgeai_hub_ingest_duplicates_ignored_total") == 200), "the resent batch seen as duplicates", Token);
        (await HubStore.StoredCountAsync(_hub, TestHub.DeviceId, SyncTopics.Telemetry, Token)).ShouldBe(200);
    }

    [Fact]
    public async Task Publish_MosquittoRestartedBetweenPublishes_HubReconnectsAndIngestsBoth()
    {
        await WaitHubSubscribedAsync();
        using (var device = await ConnectDeviceAsync(_broker.Port, Token))
        {
            (await device.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), TelemetryBatch(1, 10)), Token)).IsSuccess.ShouldBeTrue();
        }
        await EventuallyAsync(async () => await HubStore.StoredCountAsync(_hub, TestHub.DeviceId, SyncTopics.Telemetry, Token) == 10, "first batch stored", Token);

        await _broker.StopAsync();
        await _broker.StartAsync(Token);
        // Mosquitto 2.0.11 did not hand the hub messages published while it was still reconnecting
        // (its restored session lacks the shared subscription), so wait until the hub is back.
        await WaitHubSubscribedAsync();

        using (var device = await ConnectDeviceAsync(_broker.Port, Token))
        {
            (await device.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), TelemetryBatch(11, 10)), Token)).IsSuccess.ShouldBeTrue();
        }
        await EventuallyAsync(async () => await HubStore.StoredCountAsync(_hub, TestHub.DeviceId, SyncTopics.Telemetry, Token) == 20,
            () => "second batch stored after the broker restart\n" + _broker.Log, Token);
    }

    /// <summary>The hub logs in asynchronously after start; a status round trip proves it is subscribed.</summary>
    private async Task WaitHubSubscribedAsync()
    {
        var before = Metric("edgeai_hub_ingest_batches_total");
        using var device = await ConnectDeviceAsync(_broker.Port, Token);
        await device.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Status), Online()), Token);
        await EventuallyAsync(async () =>
        {
            if (Metric("edgeai_hub_ingest_batches_total") > before)
            {
                return true;
            }
            // Published before the hub subscribed (not retained for a shared subscription): say it again.
            await device.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Status), Online()), Token);
            return false;
        }, () => "the hub to receive from Mosquitto\n" + _broker.Log, Token);
    }

    private long Metric(string name)
    {
        var metrics = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<EdgeAi.Hub.Ingest.IngestMetrics>(_hub.Services).ToPrometheus();
        var line = metrics.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return long.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
