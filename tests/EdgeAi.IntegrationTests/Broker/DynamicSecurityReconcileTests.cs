using System.Net;
using EdgeAi.Common.Sync;
using Grpc.Core;
using static EdgeAi.IntegrationTests.Enrollment.EnrollmentTestKit;

namespace EdgeAi.IntegrationTests.Broker;

/// <summary>The hub and Mosquitto's dynamic security plugin apart and back together: enrollment refused while the broker is away, and reconciliation on every link up.</summary>
public sealed class DynamicSecurityReconcileTests : DynamicSecurityHubTest
{
    [Fact]
    public async Task Enroll_MosquittoDown_UnavailableNothingStoredThenWorksWhenBack()
    {
        var (tokenId, token) = await NewTokenAsync(Hub, Token);
        await Broker.StopAsync();
        await Eventually.UntilAsync(() => Task.FromResult(!Link.IsConnected), "the hub to notice Mosquitto went away", Token);

        var refused = await Should.ThrowAsync<RpcException>(() => EnrollAsync(Hub, token, Token, requestedId: "cam-down"));

        refused.StatusCode.ShouldBe(StatusCode.Unavailable);
        refused.Status.Detail.ShouldContain("the MQTT broker cannot take device 'cam-down' now");
        (await HubStore.DeviceAsync(Hub, "cam-down", Token)).ShouldBeNull();
        (await TokenRowAsync(Hub, tokenId, Token)).Uses.ShouldBe(0);

        await Broker.StartAsync(Token);
        await WaitReconciledAsync(2);
        var device = await EnrollAsync(Hub, token, Token, requestedId: "cam-down");
        using var connected = await ConnectAsync("cam-down", device.DeviceKey);
        await PublishUntilStoredAsync(connected, "cam-down", 4);
    }

    [Fact]
    public async Task Revoke_MosquittoDown_DisabledWhenTheLinkComesBack()
    {
        var (_, token) = await NewTokenAsync(Hub, Token);
        var device = await EnrollAsync(Hub, token, Token, requestedId: "cam-late");
        await Broker.StopAsync();
        await Eventually.UntilAsync(() => Task.FromResult(!Link.IsConnected), "the hub to notice Mosquitto went away", Token);

        using (var admin = AdminApi.AdminClient(Hub))
        {
            // The revocation stands on its own (the store, gRPC); the broker is told when it is back.
            (await SendAsync(admin, HttpMethod.Post, "/api/devices/cam-late/revoke", null, Token)).Status.ShouldBe(HttpStatusCode.OK);
        }
        await Broker.StartAsync(Token);
        await WaitReconciledAsync(2);

        Reconciler.LastReport!.Disabled.ShouldBe(["cam-late"]);
        await Should.ThrowAsync<InvalidOperationException>(() => ConnectAsync("cam-late", device.DeviceKey));
    }

    [Fact]
    public async Task HubRestart_BrokerChangedMeanwhile_RevokedDisabledAgainAndMissingNamed()
    {
        var (_, token) = await NewTokenAsync(Hub, Token, uses: 3);
        var revoked = await EnrollAsync(Hub, token, Token, requestedId: "cam-revoked");
        await EnrollAsync(Hub, token, Token, requestedId: "cam-deleted");
        var kept = await EnrollAsync(Hub, token, Token, requestedId: "cam-kept");
        using (var admin = AdminApi.AdminClient(Hub))
        {
            (await SendAsync(admin, HttpMethod.Post, "/api/devices/cam-revoked/revoke", null, Token)).Status.ShouldBe(HttpStatusCode.OK);
        }
        await Hub.StopAsync();
        // While the hub is away, someone re-enables the revoked login and deletes another.
        var changed = await MosquittoDynamicSecurity.ControlAsync(Broker,
            """[{"command":"enableClient","username":"cam-revoked"},{"command":"deleteClient","username":"cam-deleted"}]""", Token);
        changed.Select(r => r.TryGetProperty("error", out var error) ? error.GetString() : null).ShouldAllBe(error => error == null);
        using (await ConnectAsync("cam-revoked", revoked.DeviceKey))
        {
            // It could log in again, for now.
        }

        await Hub.StartAsync();
        await WaitReconciledAsync(1);

        var report = Reconciler.LastReport!;
        report.Disabled.ShouldBe(["cam-revoked"]);
        report.Missing.ShouldBe(["cam-deleted"]);
        await Should.ThrowAsync<InvalidOperationException>(() => ConnectAsync("cam-revoked", revoked.DeviceKey));
        using var stillThere = await ConnectAsync("cam-kept", kept.DeviceKey);
        await PublishUntilStoredAsync(stillThere, "cam-kept", 2);
        (await HubStore.StoredCountAsync(Hub, "cam-revoked", SyncTopics.Telemetry, Token)).ShouldBe(0);
    }
}
