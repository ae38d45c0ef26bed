using System.Security.Cryptography;
using EdgeAi.Common.Sync;
using MQTTnet;
using MQTTnet.Protocol;
using static EdgeAi.Testing.Mqtt.DeviceMqtt;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Broker;

/// <summary>Devices talk to the hub's embedded broker: authentication, per-device ACL, store-then-PUBACK, presence.</summary>
public class EmbeddedBrokerTests : HubTest
{
    public EmbeddedBrokerTests()
        : this(StoreEngine.Sqlite)
    {
    }

    protected EmbeddedBrokerTests(StoreEngine engine)
        : base(new Dictionary<string, string?> { [$"Hub:DeviceKeys:{DeviceB}"] = DeviceBKey }, engine)
    {
    }

    private const string DeviceB = "device-b";
    private const string DeviceBKey = "device-b-key-0123456789";

    [Fact]
    public async Task Publish_SameBatchTwice_StoredOnce()
    {
        using var client = await ConnectDeviceAsync(Hub.MqttPort, Token);
        var batch = TelemetryBatch(1, 500);

        var first = await client.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), batch), Token);
        // PUBACK means stored: no waiting needed before reading the store.
        first.ReasonCode.ShouldBe(MqttClientPublishReasonCode.Success);
        (await HubStore.StoredCountAsync(Hub, TestHub.DeviceId, SyncTopics.Telemetry, Token)).ShouldBe(500);

        var again = await client.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), batch), Token);
        again.ReasonCode.ShouldBe(MqttClientPublishReasonCode.Success);
        (await HubStore.StoredCountAsync(Hub, TestHub.DeviceId, SyncTopics.Telemetry, Token)).ShouldBe(500);
        using var admin = AdminClient(Hub);
        var metrics = await admin.GetStringAsync(new Uri("/metrics", UriKind.Relative), Token);
        metrics.ShouldContain("edgeai_hub_ingest_records_stored_total 500");
        metrics.ShouldContain("edgeai_hub_ingest_duplicates_ignored_total 500");
    }

    [Fact]
    public async Task Publish_MalformedOrMislabelledBatch_PayloadFormatInvalid()
    {
        using var client = await ConnectDeviceAsync(Hub.MqttPort, Token);
        var garbage = new MqttApplicationMessageBuilder().WithTopic(SyncTopics.For(TestHub.DeviceId, SyncTopics.Events))
            .WithPayload(new byte[] { 0xFF, 0xFF, 0xFF }).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        (await client.PublishAsync(garbage, Token)).ReasonCode.ShouldBe(MqttClientPublishReasonCode.PayloadFormatInvalid);

        var telemetryOnEvents = await client.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Events), TelemetryBatch(1, 3)), Token);
        telemetryOnEvents.ReasonCode.ShouldBe(MqttClientPublishReasonCode.PayloadFormatInvalid);
        (await HubStore.StoredCountAsync(Hub, TestHub.DeviceId, SyncTopics.Events, Token)).ShouldBe(0);
    }

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(-62_135_596_800_001)]
    [InlineData(253_402_300_800_000)]
    public async Task Publish_TimeNoClockGives_PayloadFormatInvalidAndTheDevicePageStillReads(long unixMs)
    {
        using var client = await ConnectDeviceAsync(Hub.MqttPort, Token);
        var batch = TelemetryBatch(1, 3);
        batch.Records[1].CreatedUnixMs = unixMs;
        var status = Online();
        status.StartedUnixMs = unixMs;

        (await client.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), batch), Token)).ReasonCode
            .ShouldBe(MqttClientPublishReasonCode.PayloadFormatInvalid);
        (await client.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Status), status, retain: true), Token)).ReasonCode
            .ShouldBe(MqttClientPublishReasonCode.PayloadFormatInvalid);

        // Stored, such a time failed every reader of it: the device's telemetry page answered 500.
        (await HubStore.StoredCountAsync(Hub, TestHub.DeviceId, SyncTopics.Telemetry, Token)).ShouldBe(0);
        // A good status is stored (and retained, for nobody yet: no matching subscriber).
        (await client.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Status), Online(), retain: true), Token)).ReasonCode
            .ShouldBeOneOf(MqttClientPublishReasonCode.Success, MqttClientPublishReasonCode.NoMatchingSubscribers);
        using var admin = AdminClient(Hub);
        (await GetJsonAsync(admin, $"/api/devices/{TestHub.DeviceId}/telemetry", Token)).GetProperty("count").GetInt32().ShouldBe(0);
        (await GetJsonAsync(admin, $"/api/devices/{TestHub.DeviceId}", Token)).GetProperty("id").GetString().ShouldBe(TestHub.DeviceId);
    }

    [Fact]
    public async Task Publish_OtherDevicesTopic_NotAuthorizedAndNothingStored()
    {
        using var client = await ConnectDeviceAsync(Hub.MqttPort, Token);

        var result = await client.PublishAsync(Message(SyncTopics.For(DeviceB, SyncTopics.Telemetry), TelemetryBatch(1, 5)), Token);

        result.ReasonCode.ShouldBe(MqttClientPublishReasonCode.NotAuthorized);
        (await HubStore.StoredCountAsync(Hub, DeviceB, SyncTopics.Telemetry, Token)).ShouldBe(0);
        (await client.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Desired), TelemetryBatch(1, 1)), Token))
            .ReasonCode.ShouldBe(MqttClientPublishReasonCode.NotAuthorized);
    }

    [Theory]
    [InlineData("edgeai/v1/device-b/desired")]
    [InlineData("#")]
    [InlineData("edgeai/v1/+/desired")]
    [InlineData("edgeai/v1/device-a/#")]
    public async Task Subscribe_OutsideOwnExactTopics_NotAuthorized(string filter)
    {
        using var client = await ConnectDeviceAsync(Hub.MqttPort, Token);

        var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter).Build(), Token);

        result.Items.Single().ResultCode.ShouldBe(MqttClientSubscribeResultCode.NotAuthorized);
    }

    [Fact]
    public async Task Subscribe_SharedSubscription_Refused()
    {
        using var client = await ConnectDeviceAsync(Hub.MqttPort, Token);

        var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("$share/g/edgeai/v1/device-a/desired").Build(), Token);

        // MQTTnet refuses shared subscriptions itself, before the ACL sees them.
        result.Items.Single().ResultCode.ShouldBeOneOf(MqttClientSubscribeResultCode.SharedSubscriptionsNotSupported, MqttClientSubscribeResultCode.NotAuthorized);
    }

    [Fact]
    public async Task Subscribe_OwnDesiredTopic_Granted()
    {
        using var client = await ConnectDeviceAsync(Hub.MqttPort, Token);

        var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(SyncTopics.For(TestHub.DeviceId, SyncTopics.Desired), MqttQualityOfServiceLevel.AtLeastOnce).Build(), Token);

        result.Items.Single().ResultCode.ShouldBe(MqttClientSubscribeResultCode.GrantedQoS1);
    }

    [Theory]
    [InlineData(TestHub.DeviceId, null, null, MqttClientConnectResultCode.BadUserNameOrPassword)]
    [InlineData(TestHub.DeviceId, TestHub.DeviceId, "wrong-key-0123456789", MqttClientConnectResultCode.BadUserNameOrPassword)]
    [InlineData("stranger", "stranger", TestHub.DeviceKey, MqttClientConnectResultCode.BadUserNameOrPassword)]
    [InlineData(DeviceB, TestHub.DeviceId, TestHub.DeviceKey, MqttClientConnectResultCode.ClientIdentifierNotValid)]
    public async Task Connect_BadCredentialsOrForeignClientId_Refused(string clientId, string? user, string? password, MqttClientConnectResultCode expected)
    {
        using var client = new MqttClientFactory().CreateMqttClient();

        // MQTTnet 5 reports a refusal in the result rather than throwing.
        var result = await client.ConnectAsync(DeviceOptions(Hub.MqttPort, clientId, user, password).Build(), Token);

        result.ResultCode.ShouldBe(expected);
    }

    [Fact]
    public async Task Publish_OverTlsTrustingHubFingerprint_Stored()
    {
        var fingerprint = Hub.Fingerprint;
        var options = DeviceOptions(Hub.MqttTlsPort, TestHub.DeviceId, TestHub.DeviceId, TestHub.DeviceKey)
            .WithTlsOptions(tls => tls.UseTls()
                .WithRevocationMode(System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck)
                .WithCertificateValidationHandler(e => Convert.ToHexString(SHA256.HashData(e.Certificate.GetRawCertData())) == fingerprint))
            .Build();
        using var client = await ConnectAsync(options, Token);

        var result = await client.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), TelemetryBatch(1, 10)), Token);

        result.ReasonCode.ShouldBe(MqttClientPublishReasonCode.Success);
        (await HubStore.StoredCountAsync(Hub, TestHub.DeviceId, SyncTopics.Telemetry, Token)).ShouldBe(10);
    }

    [Fact]
    public async Task Presence_OnlineThenConnectionLost_WillMarksOffline()
    {
        var will = new Status { Online = false, Reason = "connection lost" };
        var options = DeviceOptions(Hub.MqttPort, TestHub.DeviceId, TestHub.DeviceId, TestHub.DeviceKey)
            .WithWillTopic(SyncTopics.For(TestHub.DeviceId, SyncTopics.Status))
            .WithWillPayload(Google.Protobuf.MessageExtensions.ToByteArray(will))
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain()
            .Build();
        var client = await ConnectAsync(options, Token);
        (await client.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Status), Online(), retain: true), Token))
            .IsSuccess.ShouldBeTrue();
        using var admin = AdminClient(Hub);
        var device = await GetJsonAsync(admin, $"/api/devices/{TestHub.DeviceId}", Token);
        device.GetProperty("online").GetBoolean().ShouldBeTrue();
        device.GetProperty("agentVersion").GetString().ShouldBe("1.2.3");

        // No DISCONNECT packet: the TCP connection just goes away, as when a device loses power.
        client.Dispose();

        await Eventually.UntilAsync(async () =>
        {
            var now = await GetJsonAsync(admin, $"/api/devices/{TestHub.DeviceId}", Token);
            return !now.GetProperty("online").GetBoolean() && now.GetProperty("lastOfflineReason").GetString() == "connection lost";
        }, "the will to mark the device offline", Token);
    }

    [Fact]
    public async Task Presence_CleanOfflineStatus_MarksOfflineWithReason()
    {
        using var client = await ConnectDeviceAsync(Hub.MqttPort, Token);
        var topic = SyncTopics.For(TestHub.DeviceId, SyncTopics.Status);
        (await client.PublishAsync(Message(topic, Online(), retain: true), Token)).IsSuccess.ShouldBeTrue();

        (await client.PublishAsync(Message(topic, new Status { Online = false, Reason = "shutdown" }, retain: true), Token)).IsSuccess.ShouldBeTrue();
        await client.DisconnectAsync(cancellationToken: Token);

        using var admin = AdminClient(Hub);
        var device = await GetJsonAsync(admin, $"/api/devices/{TestHub.DeviceId}", Token);
        device.GetProperty("online").GetBoolean().ShouldBeFalse();
        device.GetProperty("lastOfflineReason").GetString().ShouldBe("shutdown");
        device.GetProperty("agentVersion").GetString().ShouldBe("1.2.3");
    }
}
