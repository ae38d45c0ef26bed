using System.Net;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using Grpc.Core;
using MQTTnet;
using static EdgeAi.IntegrationTests.Enrollment.EnrollmentTestKit;
using static EdgeAi.Testing.Mqtt.DeviceMqtt;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Security;

/// <summary>A revoked device is refused everywhere, at once, and stays refused after a hub restart.</summary>
public sealed class RevocationTests : HubTest
{
    public override async ValueTask InitializeAsync()
    {
        Hub.Install("classifier", SampleModels.Classifier());
        await base.InitializeAsync();
    }

    [Fact]
    public async Task Revoke_EnrolledDevice_RefusedOnGrpcAndMqttAndLiveSessionDropped()
    {
        var (_, token) = await NewTokenAsync(Hub, Token);
        var device = await EnrollAsync(Hub, token, Token, requestedId: "cam-1");
        var live = await ConnectDeviceAsync(Hub.MqttPort, Token, "cam-1", device.DeviceKey);
        var dropped = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        live.DisconnectedAsync += e =>
        {
            dropped.TrySetResult(e);
            return Task.CompletedTask;
        };

        using var admin = AdminClient(Hub);
        var (status, body) = await SendAsync(admin, HttpMethod.Post, "/api/devices/cam-1/revoke", null, Token);

        status.ShouldBe(HttpStatusCode.OK, body.ToString());
        body.GetProperty("id").GetString().ShouldBe("cam-1");
        (await dropped.Task.WaitAsync(Eventually.DefaultTimeout, Token)).ReasonString.ShouldBe("device cam-1 was revoked");
        live.Dispose();

        var (channel, client, headers) = Hub.Client(device.DeviceKey);
        using (channel)
        {
            var error = await Should.ThrowAsync<RpcException>(() =>
                client.ModelInferAsync(Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]), headers, cancellationToken: Token).ResponseAsync);
            error.StatusCode.ShouldBe(StatusCode.Unauthenticated);
            error.Status.Detail.ShouldBe("device cam-1 was revoked");
        }

        using var again = new MqttClientFactory().CreateMqttClient();
        var refused = await again.ConnectAsync(DeviceOptions(Hub.MqttPort, "cam-1", "cam-1", device.DeviceKey).Build(), Token);
        refused.ResultCode.ShouldBe(MqttClientConnectResultCode.Banned);
        refused.ReasonString.ShouldBe("device cam-1 was revoked");

        var stored = await HubStore.DeviceAsync(Hub, "cam-1", Token);
        stored!.RevokedAtMs.ShouldNotBeNull();
        stored.Online.ShouldBeFalse();
        var audit = await AuditAsync(Hub, "?action=device.revoke", Token);
        audit.Single().GetProperty("target").GetString().ShouldBe("cam-1");
        audit.Single().GetProperty("actor").GetString().ShouldStartWith("admin");
    }

    [Fact]
    public async Task Revoke_ConfiguredDevice_RefusedAndStaysRevokedAfterRestart()
    {
        using (var admin = AdminClient(Hub))
        {
            (await SendAsync(admin, HttpMethod.Post, $"/api/devices/{TestHub.DeviceId}/revoke", null, Token)).Status.ShouldBe(HttpStatusCode.OK);
        }
        await Hub.StopAsync();
        await Hub.StartAsync();

        using var client = new MqttClientFactory().CreateMqttClient();
        var refused = await client.ConnectAsync(DeviceOptions(Hub.MqttPort, TestHub.DeviceId, TestHub.DeviceId, TestHub.DeviceKey).Build(), Token);
        refused.ResultCode.ShouldBe(MqttClientConnectResultCode.Banned);
        var (channel, grpc, headers) = Hub.Client();
        using (channel)
        {
            var error = await Should.ThrowAsync<RpcException>(() => grpc.ServerReadyAsync(new Common.Inference.ServerReadyRequest(), headers, cancellationToken: Token).ResponseAsync);
            error.StatusCode.ShouldBe(StatusCode.Unauthenticated);
        }
    }

    [Fact]
    public async Task EnrolledDevice_HubRestarts_KeyStillAccepted()
    {
        var (_, token) = await NewTokenAsync(Hub, Token);
        var device = await EnrollAsync(Hub, token, Token, requestedId: "cam-2");

        await Hub.StopAsync();
        await Hub.StartAsync();

        using var mqtt = await ConnectDeviceAsync(Hub.MqttPort, Token, "cam-2", device.DeviceKey);
        (await mqtt.PublishAsync(Message(SyncTopics.For("cam-2", SyncTopics.Telemetry), TelemetryBatch(1, 3)), Token)).IsSuccess.ShouldBeTrue();
    }

    [Fact]
    public async Task Revoke_UnknownOrTwice_NotFoundOrConflict()
    {
        using var admin = AdminClient(Hub);

        var (unknown, unknownBody) = await SendAsync(admin, HttpMethod.Post, "/api/devices/nobody/revoke", null, Token);
        (await SendAsync(admin, HttpMethod.Post, $"/api/devices/{TestHub.DeviceId}/revoke", null, Token)).Status.ShouldBe(HttpStatusCode.OK);
        var (twice, twiceBody) = await SendAsync(admin, HttpMethod.Post, $"/api/devices/{TestHub.DeviceId}/revoke", null, Token);

        unknown.ShouldBe(HttpStatusCode.NotFound);
        unknownBody.GetProperty("detail").GetString()!.ShouldContain("'nobody'");
        twice.ShouldBe(HttpStatusCode.Conflict);
        twiceBody.GetProperty("detail").GetString()!.ShouldContain("already revoked");
    }
}
