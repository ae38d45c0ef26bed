using EdgeAi.Common.Sync;
using MQTTnet;
using static EdgeAi.Testing.Mqtt.DeviceMqtt;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Store;

/// <summary>
/// The hub on a real PostgreSQL (a fresh database on the server EDGEAI_TEST_POSTGRES names; skipped without
/// it): the schema is created there, the ingest writer's raw SQL stores a batch once and ignores it resent,
/// presence is written, and the admin API reads it all back.
/// </summary>
public sealed class PostgresStoreTests : IAsyncLifetime
{
    private readonly Scratch _scratch = new();
    private TestDatabase? _database;
    private TestHub? _hub;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        if (!TestDatabase.IsAvailable)
        {
            return;
        }
        _database = await TestDatabase.CreateAsync(Token);
        _hub = new TestHub(_scratch.Sub("hub"), _database.HubSettings);
        await _hub.StartAsync();
    }

    [Fact]
    public async Task Ingest_OnPostgres_StoredOnceWithPresence()
    {
        if (_hub is not { } hub)
        {
            Assert.Skip(TestDatabase.Unavailable);
            return;
        }
        using var client = await ConnectDeviceAsync(hub.MqttPort, Token);
        var batch = TelemetryBatch(1, 200);

        (await client.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), batch), Token)).ReasonCode
            .ShouldBe(MqttClientPublishReasonCode.Success);
        (await client.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), batch), Token)).ReasonCode
            .ShouldBe(MqttClientPublishReasonCode.Success);
        (await client.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Status), Online(), retain: true), Token)).ReasonCode
            .ShouldBeOneOf(MqttClientPublishReasonCode.Success, MqttClientPublishReasonCode.NoMatchingSubscribers);

        (await HubStore.StoredCountAsync(hub, TestHub.DeviceId, SyncTopics.Telemetry, Token)).ShouldBe(200);
        (await HubStore.SequencesAsync(hub, TestHub.DeviceId, SyncTopics.Telemetry, Token)).Select(r => r.Seq).ShouldBe(Enumerable.Range(1, 200).Select(i => (long)i));
        var device = await HubStore.DeviceAsync(hub, TestHub.DeviceId, Token);
        device.ShouldNotBeNull();
        device.Online.ShouldBeTrue();
        using var admin = AdminClient(hub);
        (await GetJsonAsync(admin, $"/api/devices/{TestHub.DeviceId}/telemetry", Token)).GetProperty("count").GetInt32().ShouldBe(200);
        var metrics = await admin.GetStringAsync(new Uri("/metrics", UriKind.Relative), Token);
        metrics.ShouldContain("edgeai_hub_ingest_duplicates_ignored_total 200");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_hub is not null)
            {
                await _hub.DisposeAsync();
            }
            if (_database is not null)
            {
                await _database.DisposeAsync();
            }
        }
        finally
        {
            _scratch.Dispose();
        }
    }
}
