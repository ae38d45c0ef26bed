using EdgeAi.Common.Onnx;
using EdgeAi.IntegrationTests.Cloud;
using EdgeAi.IntegrationTests.Sync;
using static EdgeAi.IntegrationTests.Rollout.FleetTestKit;
using static EdgeAi.IntegrationTests.Sync.SyncTestKit;

namespace EdgeAi.IntegrationTests.Rollout;

/// <summary>Desired states through an external broker (Mosquitto 2): published retained by the hub's own client.</summary>
public sealed class ExternalBrokerRolloutTests : IAsyncLifetime
{
    private readonly Scratch _scratch = new();
    private MosquittoBroker _broker = null!;
    private TestHub _hub = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _broker = new MosquittoBroker(_scratch.Sub("mosquitto"));
        _broker.AddDevice("dev-1", Key("dev-1"));
        await _broker.StartAsync(Token);
        _hub = new TestHub(_scratch.Sub("hub"), Settings(["dev-1"], new Dictionary<string, string?>
        {
            ["Hub:Mqtt:ExternalBroker"] = _broker.Uri,
            ["Hub:Mqtt:ExternalUsername"] = MosquittoBroker.HubUser,
            ["Hub:Mqtt:ExternalPassword"] = MosquittoBroker.HubPassword,
            ["Hub:Mqtt:ClientId"] = "hub-under-test",
            ["Hub:Mqtt:ReconnectDelay"] = "00:00:00.200",
        }));
        await _hub.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _hub.DisposeAsync();
        await _broker.DisposeAsync();
        _scratch.Dispose();
    }

    [Fact]
    public async Task Deploy_ExternalBroker_DeviceGetsRetainedDesiredState()
    {
        await using var device = await SimulatedDevice.ConnectAsync(_broker.Port, "dev-1", Key("dev-1"), Token);
        // The status goes through Mosquitto to the hub's shared subscription, which gets no retained
        // messages: said again until the hub, connecting in the background, has heard it.
        await EventuallyAsync(async () =>
        {
            if (await HubStore.DeviceAsync(_hub, "dev-1", Token) is not null)
            {
                return true;
            }
            await device.AnnounceAsync(Token);
            return false;
        }, () => "dev-1 known to the hub\n" + _broker.Log, Token);
        using var admin = Admin(_hub);
        await PushOkAsync(admin, "classifier", "1", SampleModels.Classifier(), Token);

        var id = await DeployAsync(admin, """{"model":"classifier","version":"1"}""", Token);

        await device.WaitForDesiredAsync(s => s.Models.Count == 1 && s.Revision == 1, "desired state via Mosquitto", Token);
        await device.ReportAsync("classifier", "1", "active", Token);
        await WaitForStateAsync(admin, id, "completed", Token);
        // Retained at the broker: a device that connects later still gets it.
        await using var late = await SimulatedDevice.ConnectAsync(_broker.Port, "dev-1", Key("dev-1"), Token);
        await late.WaitForDesiredAsync(s => s.Models.Count == 1, "retained desired state", Token);
    }
}
