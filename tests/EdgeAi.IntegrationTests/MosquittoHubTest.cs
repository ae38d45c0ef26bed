namespace EdgeAi.IntegrationTests;

/// <summary>
/// A <see cref="HubTest"/> whose hub is the client of a real Mosquitto 2 (Hub:Mqtt:ExternalBroker), started
/// first for every test with the devices the test class names, and stopped after the hub.
/// </summary>
public abstract class MosquittoHubTest : HubTest
{
    private readonly string _clientId;

    /// <param name="devices">Device ids and passwords Mosquitto accepts.</param>
    /// <param name="clientId">The hub's MQTT client id (its persistent session at the broker).</param>
    /// <param name="dynamicSecurity">Mosquitto with its dynamic security plugin, whose device logins the hub keeps (no password or ACL files).</param>
    protected MosquittoHubTest(
        IReadOnlyDictionary<string, string> devices, string clientId, IEnumerable<KeyValuePair<string, string?>>? hubSettings = null, bool dynamicSecurity = false)
        : base(hubSettings)
    {
        _clientId = clientId;
        Broker = new MosquittoBroker(Scratch.Sub("mosquitto"), dynamicSecurity);
        foreach (var (device, password) in devices)
        {
            Broker.AddDevice(device, password);
        }
    }

    internal MosquittoBroker Broker { get; }

    public override async ValueTask InitializeAsync()
    {
        await Broker.StartAsync(Token);
        // Mosquitto picks its port when it is created: the hub learns it only now.
        Hub.Configure(Broker.HubSettings(_clientId));
        await base.InitializeAsync();
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        try
        {
            await Hub.StopAsync();
            await Broker.DisposeAsync();
        }
        finally
        {
            // The hub, stopped already, has its error log checked; the scratch tree goes.
            await base.DisposeAsyncCore();
        }
    }
}
