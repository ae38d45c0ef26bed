using System.Net;
using EdgeAi.Common.Sync;
using MQTTnet;
using MQTTnet.Protocol;
using static EdgeAi.IntegrationTests.Enrollment.EnrollmentTestKit;
using static EdgeAi.Testing.Mqtt.DeviceMqtt;

namespace EdgeAi.IntegrationTests.Broker;

/// <summary>
/// Devices enrolled through the hub's gRPC, confined by a real Mosquitto's dynamic security plugin as the
/// embedded broker confines them: their own topics only, and a revoked device is refused and dropped.
/// </summary>
public sealed class DynamicSecurityTests : DynamicSecurityHubTest
{
    [Fact]
    public async Task Enroll_TwoDevices_EachConfinedToItsOwnTopicsAtMosquitto()
    {
        var (_, token) = await NewTokenAsync(Hub, Token, uses: 2);
        var a = await EnrollAsync(Hub, token, Token, requestedId: "cam-a");
        var b = await EnrollAsync(Hub, token, Token, requestedId: "cam-b");
        using var deviceA = await ConnectAsync("cam-a", a.DeviceKey);
        using var deviceB = await ConnectAsync("cam-b", b.DeviceKey);
        var toB = new List<string>();
        deviceB.ApplicationMessageReceivedAsync += e =>
        {
            lock (toB)
            {
                toB.Add(e.ApplicationMessage.Topic + " " + e.ApplicationMessage.ConvertPayloadToString());
            }
            return Task.CompletedTask;
        };
        var ownDesired = await deviceB.SubscribeAsync(SyncTopics.For("cam-b", SyncTopics.Desired), MqttQualityOfServiceLevel.AtLeastOnce, Token);
        ownDesired.Items.Single().ResultCode.ShouldBe(MqttClientSubscribeResultCode.GrantedQoS1);

        // A's own telemetry reaches the hub's store.
        await PublishUntilStoredAsync(deviceA, "cam-a", 5);

        // A may not write B's topics: refused by the broker, nothing stored for B, nothing delivered to B.
        foreach (var leaf in new[] { SyncTopics.Telemetry, SyncTopics.Status, SyncTopics.Desired })
        {
            var refused = await deviceA.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(SyncTopics.For("cam-b", leaf)).WithPayload("from a")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), Token);
            refused.ReasonCode.ShouldBe(MqttClientPublishReasonCode.NotAuthorized, leaf);
        }
        // Nor a hub-only topic of its own.
        (await deviceA.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(SyncTopics.For("cam-a", SyncTopics.Desired)).WithPayload("forged")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), Token)).ReasonCode.ShouldBe(MqttClientPublishReasonCode.NotAuthorized);

        // A marker the hub's user sends after A's refused publish: B gets it, and only it.
        await MosquittoDynamicSecurityPublishAsync(SyncTopics.For("cam-b", SyncTopics.Desired), "marker");
        await Eventually.UntilAsync(() => Task.FromResult(Count(toB) > 0), () => "the marker delivered to cam-b\n" + Broker.Log, Token);
        lock (toB)
        {
            toB.ShouldBe([$"{SyncTopics.For("cam-b", SyncTopics.Desired)} marker"]);
        }
        (await HubStore.StoredCountAsync(Hub, "cam-b", SyncTopics.Telemetry, Token)).ShouldBe(0);

        // A may not read B's topics, nor anyone's through a wildcard.
        foreach (var filter in new[] { SyncTopics.For("cam-b", SyncTopics.Desired), SyncTopics.For("cam-b", SyncTopics.Telemetry), "edgeai/v1/+/desired", "edgeai/v1/#", "#", "$share/g/edgeai/v1/+/+" })
        {
            var subscribed = await deviceA.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce, Token);
            subscribed.Items.Single().ResultCode.ShouldBe(MqttClientSubscribeResultCode.NotAuthorized, filter);
        }

        // Nor log in under B's client id (which would take over B's session).
        await Should.ThrowAsync<InvalidOperationException>(() => ConnectAsync("cam-a", a.DeviceKey, clientId: "cam-b"));
        // B's key does not open A's login.
        await Should.ThrowAsync<InvalidOperationException>(() => ConnectAsync("cam-a", b.DeviceKey));
    }

    [Fact]
    public async Task Revoke_ConnectedDevice_DroppedByMosquittoAndRefusedAfter()
    {
        var (_, token) = await NewTokenAsync(Hub, Token);
        var device = await EnrollAsync(Hub, token, Token, requestedId: "cam-r");
        var live = await ConnectAsync("cam-r", device.DeviceKey);
        var dropped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        live.DisconnectedAsync += _ =>
        {
            dropped.TrySetResult();
            return Task.CompletedTask;
        };

        using (var admin = AdminApi.AdminClient(Hub))
        {
            var (status, body) = await SendAsync(admin, HttpMethod.Post, "/api/devices/cam-r/revoke", null, Token);
            status.ShouldBe(HttpStatusCode.OK, body.ToString());
        }

        await dropped.Task.WaitAsync(Eventually.DefaultTimeout, Token);
        live.Dispose();
        var refused = await Should.ThrowAsync<InvalidOperationException>(() => ConnectAsync("cam-r", device.DeviceKey));
        refused.Message.ShouldContain("NotAuthorized");
        (await MosquittoDynamicSecurity.GetClientAsync(Broker, "cam-r", Token))!.Value.GetProperty("disabled").GetBoolean().ShouldBeTrue();
        var audit = await AuditAsync(Hub, "?action=device.revoke", Token);
        audit.Single().GetProperty("detail").GetString().ShouldBe("login disabled at the external broker");
    }

    [Fact]
    public async Task Enroll_SameIdAgainAfterBrokerAlreadyHasIt_LoginReplaced()
    {
        // The broker already has a login for the id (an enrollment whose store commit failed after the broker took it, or an operator's).
        var created = await MosquittoDynamicSecurity.ControlAsync(Broker,
            """[{"command":"createClient","username":"cam-x","password":"old-password","clientid":"someone-else"},{"command":"disableClient","username":"cam-x"}]""", Token);
        created.Select(r => r.TryGetProperty("error", out var error) ? error.GetString() : null).ShouldAllBe(error => error == null);
        var (_, token) = await NewTokenAsync(Hub, Token);

        var device = await EnrollAsync(Hub, token, Token, requestedId: "cam-x");

        using var connected = await ConnectAsync("cam-x", device.DeviceKey);
        await PublishUntilStoredAsync(connected, "cam-x", 3);
        await Should.ThrowAsync<InvalidOperationException>(() => ConnectAsync("cam-x", "old-password"));
        var client = (await MosquittoDynamicSecurity.GetClientAsync(Broker, "cam-x", Token))!.Value;
        client.GetProperty("clientid").GetString().ShouldBe("cam-x");
        client.GetProperty("roles").EnumerateArray().Select(r => r.GetProperty("rolename").GetString()).ShouldBe(["edgeai-device-cam-x"]);
    }

    [Fact]
    public async Task Enroll_IdOfTheHubsOwnOrAnOperatorsLogin_AlreadyExistsAndLoginUntouched()
    {
        var created = await MosquittoDynamicSecurity.ControlAsync(Broker,
            """[{"command":"createClient","username":"ops","password":"ops-password","roles":[{"rolename":"admin"}]}]""", Token);
        created[0].TryGetProperty("error", out _).ShouldBeFalse();
        var (tokenId, token) = await NewTokenAsync(Hub, Token, uses: 3);

        foreach (var login in new[] { MosquittoBroker.HubUser, "ops" })
        {
            var refused = await Should.ThrowAsync<Grpc.Core.RpcException>(() => EnrollAsync(Hub, token, Token, requestedId: login));
            refused.StatusCode.ShouldBe(Grpc.Core.StatusCode.AlreadyExists, login);
            refused.Status.Detail.ShouldContain($"device id '{login}' is taken at the MQTT broker");
            (await HubStore.DeviceAsync(Hub, login, Token)).ShouldBeNull();
        }

        (await TokenRowAsync(Hub, tokenId, Token)).Uses.ShouldBe(0);
        using (await DeviceMqtt.ConnectAsync(DeviceOptions(Broker.Port, "ops-check", "ops", "ops-password").Build(), Token))
        {
            var ops = (await MosquittoDynamicSecurity.GetClientAsync(Broker, "ops", Token))!.Value;
            ops.GetProperty("roles")[0].GetProperty("rolename").GetString().ShouldBe("admin");
        }
        // The hub's own login still works: it enrolls (and so reaches the plugin) as before.
        var device = await EnrollAsync(Hub, token, Token, requestedId: "cam-after");
        using var connected = await ConnectAsync("cam-after", device.DeviceKey);
        await PublishUntilStoredAsync(connected, "cam-after", 1);
    }

    [Fact]
    public async Task ConfiguredDevice_ProvisionedAtStart_Connects()
    {
        // Hub:DeviceKeys holds device-a's key itself, so the hub's first reconciliation made its login.
        Reconciler.LastReport!.Provisioned.ShouldBe([TestHub.DeviceId]);
        using var device = await ConnectAsync(TestHub.DeviceId, TestHub.DeviceKey);
        await PublishUntilStoredAsync(device, TestHub.DeviceId, 2);
    }

    [Fact]
    public async Task Agent_EnrolledThroughHubOnMosquitto_SyncsTelemetry()
    {
        var (_, token) = await NewTokenAsync(Hub, Token);
        var agentDirectory = Scratch.Sub("agent");
        var enrolled = await CliRunner.EnrollAsync(EdgeAi.Hub.Cli.TokensCommand.EnrollLine(Hub.Uri, token, Hub.Fingerprint), "agent-1", agentDirectory);
        enrolled.ExitCode.ShouldBe(0, enrolled.ToString());

        // The hub names no broker in the enrollment answer when it is not the broker: the operator sets Uplink:BrokerUrl.
        await using var agent = new TestAgent(agentDirectory);
        await agent.StartAsync(hub: null, HostSettings.Merge(TestAgent.FastReconnect, new Dictionary<string, string?>
        {
            ["Uplink:BrokerUrl"] = Broker.Uri,
            ["Telemetry:Interval"] = "00:00:00.200",
        }));

        await Eventually.UntilAsync(async () => await HubStore.StoredCountAsync(Hub, "agent-1", SyncTopics.Telemetry, Token) >= 2,
            () => "the agent's telemetry stored by the hub through Mosquitto\n" + Broker.Log, Token);
        await Eventually.UntilAsync(async () => (await HubStore.DeviceAsync(Hub, "agent-1", Token))?.Online == true, () => "the agent online at the hub\n" + Broker.Log, Token);
    }

    private static int Count(List<string> list)
    {
        lock (list)
        {
            return list.Count;
        }
    }

    /// <summary>Publishes as the hub's user (which may write every device's desired topic) on a connection of the test's own.</summary>
    private async Task MosquittoDynamicSecurityPublishAsync(string topic, string payload)
    {
        using var hubUser = await DeviceMqtt.ConnectAsync(DeviceOptions(Broker.Port, "test-hub-user", MosquittoBroker.HubUser, MosquittoBroker.HubPassword).Build(), Token);
        var published = await hubUser.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), Token);
        published.IsSuccess.ShouldBeTrue($"{published.ReasonCode}\n{Broker.Log}");
    }
}
