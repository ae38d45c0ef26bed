namespace EdgeAi.IntegrationTests;

/// <summary>
/// A test class whose every test gets a hub and an agent that falls back to it (and sends its uplink to the
/// hub's embedded broker), both disposed after the test with their error logs checked. Override
/// <see cref="InitializeAsync"/> to install models, then call <see cref="StartAsync"/> with the agent's settings.
/// </summary>
public abstract class HubAndAgentTest : IAsyncLifetime
{
    private readonly HubAndAgent _hosts;

    protected HubAndAgentTest(IEnumerable<KeyValuePair<string, string?>>? hubSettings = null) => _hosts = new HubAndAgent(hubSettings);

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    internal Scratch Scratch => _hosts.Scratch;

    internal TestHub Hub => _hosts.Hub;

    internal TestAgent Agent => _hosts.Agent;

    public virtual async ValueTask InitializeAsync() => await StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _hosts.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    protected Task StartAsync(IEnumerable<KeyValuePair<string, string?>>? agentSettings = null) => _hosts.StartAsync(agentSettings);
}
