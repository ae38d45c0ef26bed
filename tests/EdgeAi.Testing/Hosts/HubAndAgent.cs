using EdgeAi.Testing.Logging;

namespace EdgeAi.Testing.Hosts;

/// <summary>
/// A hub and an agent that falls back to it (and sends its uplink to the hub's embedded broker), each in its
/// own directory of one scratch tree: install models into either, then <see cref="StartAsync"/>. Disposing
/// stops both and checks both error logs.
/// </summary>
internal sealed class HubAndAgent : IAsyncDisposable
{
    public HubAndAgent(IEnumerable<KeyValuePair<string, string?>>? hubSettings = null)
    {
        Hub = new TestHub(Scratch.Sub("hub"), hubSettings);
        Agent = new TestAgent(Scratch.Sub("agent"));
    }

    public Scratch Scratch { get; } = new();

    public TestHub Hub { get; }

    public TestAgent Agent { get; }

    /// <summary>Starts the hub, then the agent pointed at it with <paramref name="agentSettings"/>.</summary>
    public async Task StartAsync(IEnumerable<KeyValuePair<string, string?>>? agentSettings = null)
    {
        await Hub.StartAsync();
        await Agent.StartAsync(Hub, agentSettings);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await new ITestHost[] { Agent, Hub }.DisposeAllAsync();
        }
        finally
        {
            Scratch.Dispose();
        }
    }
}
