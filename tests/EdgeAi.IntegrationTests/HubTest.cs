namespace EdgeAi.IntegrationTests;

/// <summary>
/// A test class whose every test gets a hub of its own (fresh data directory, store and ports), started
/// before the test and disposed after it, which fails the test on an error log it did not declare.
/// Override <see cref="InitializeAsync"/> to install models or declare errors before <c>base.InitializeAsync()</c>, and
/// <see cref="DisposeAsyncCore"/> to dispose what the class adds before <c>base.DisposeAsyncCore()</c>.
/// </summary>
public abstract class HubTest : IAsyncLifetime
{
    protected HubTest(IEnumerable<KeyValuePair<string, string?>>? hubSettings = null) => Hub = new TestHub(Scratch.Sub("hub"), hubSettings);

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    internal Scratch Scratch { get; } = new();

    internal TestHub Hub { get; }

    public virtual async ValueTask InitializeAsync() => await Hub.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the hub (which checks its error log), then deletes the scratch tree; what a test class adds goes first.</summary>
    protected virtual async ValueTask DisposeAsyncCore()
    {
        try
        {
            await Hub.DisposeAsync();
        }
        finally
        {
            Scratch.Dispose();
        }
    }
}
