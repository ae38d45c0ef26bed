using static EdgeAi.IntegrationTests.RolloutTestKit;

namespace EdgeAi.IntegrationTests.Deployments;

/// <summary>
/// A <see cref="HubTest"/> whose hub knows a few simulated devices (keys from <see cref="RolloutTestKit.Key"/>,
/// a fast rollout controller), each connected for every test, and an admin client: the set-up of the
/// registry, download, rollout and CLI tests.
/// </summary>
public abstract class SimulatedFleetTest : HubTest
{
    private readonly string[] _deviceIds;

    protected SimulatedFleetTest(string[] deviceIds, IDictionary<string, string?>? hubSettings = null, StoreEngine engine = StoreEngine.Sqlite)
        : base(Settings(deviceIds, hubSettings), engine) => _deviceIds = deviceIds;

    internal HttpClient Admin { get; private set; } = null!;

    /// <summary>The connected devices, in the order the class named them (a test may replace them, e.g. across a hub restart).</summary>
    internal SimulatedDevice[] Devices { get; set; } = [];

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        Admin = AdminApi.AdminClient(Hub);
        Devices = await ConnectAsync(Hub, _deviceIds, Token);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        foreach (var device in Devices)
        {
            await device.DisposeAsync();
        }
        Admin?.Dispose();
        await base.DisposeAsyncCore();
    }
}
