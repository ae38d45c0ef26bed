namespace EdgeAi.IntegrationTests.SyncDown;

/// <summary>
/// A test class whose every test gets a <see cref="TestFleetServer"/> of its own, the key its artifacts are
/// signed with (<see cref="Models"/>) and a scratch directory for the agents it starts.
/// </summary>
public abstract class FleetServerTest : IAsyncLifetime
{
    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    internal Scratch Scratch { get; } = new();

    internal FleetModels Models { get; } = new();

    internal TestFleetServer Server { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Server = await TestFleetServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Server is not null)
            {
                await Server.DisposeAsync();
            }
        }
        finally
        {
            Models.Dispose();
            Scratch.Dispose();
            GC.SuppressFinalize(this);
        }
    }
}
