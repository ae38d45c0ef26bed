using EdgeAi.Common.Onnx;
using static EdgeAi.IntegrationTests.RolloutTestKit;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Deployments;

/// <summary>Desired states through an external broker (Mosquitto 2): published retained by the hub's own client.</summary>
public sealed class ExternalBrokerRolloutTests() : MosquittoHubTest(
    new Dictionary<string, string> { ["dev-1"] = Key("dev-1") },
    "hub-under-test",
    Settings(["dev-1"], new Dictionary<string, string?> { ["Hub:Mqtt:ReconnectDelay"] = "00:00:00.200" }))
{
    [Fact]
    public async Task Deploy_ExternalBroker_DeviceGetsRetainedDesiredState()
    {
        await using var device = await SimulatedDevice.ConnectAsync(Broker.Port, "dev-1", Key("dev-1"), Token);
        // The status goes through Mosquitto to the hub's shared subscription, which gets no retained
        // messages: said again until the hub, connecting in the background, has heard it.
        await Eventually.UntilAsync(async () =>
        {
            if (await HubStore.DeviceAsync(Hub, "dev-1", Token) is not null)
            {
                return true;
            }
            await device.AnnounceAsync(Token);
            return false;
        }, () => "dev-1 known to the hub\n" + Broker.Log, Token);
        using var admin = AdminClient(Hub);
        await PushOkAsync(admin, "classifier", "1", SampleModels.Classifier(), Token);

        var id = await DeployAsync(admin, """{"model":"classifier","version":"1"}""", Token);

        await device.WaitForDesiredAsync(s => s.Models.Count == 1 && s.Revision == 1, "desired state via Mosquitto", Token);
        await device.ReportAsync("classifier", "1", "active", Token);
        await WaitForStateAsync(admin, id, "completed", Token);
        // Retained at the broker: a device that connects later still gets it.
        await using var late = await SimulatedDevice.ConnectAsync(Broker.Port, "dev-1", Key("dev-1"), Token);
        await late.WaitForDesiredAsync(s => s.Models.Count == 1, "retained desired state", Token);
    }
}
