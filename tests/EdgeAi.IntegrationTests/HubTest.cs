namespace EdgeAi.IntegrationTests;

/// <summary>
/// A test class whose every test gets a hub of its own (fresh data directory, store and ports), started
/// before the test and disposed after it, which fails the test on an error log it did not declare.
/// Override <see cref="InitializeAsync"/> to install models or declare errors before <c>base.InitializeAsync()</c>, and
/// <see cref="DisposeAsyncCore"/> to dispose what the class adds before <c>base.DisposeAsyncCore()</c>.
/// The store is SQLite unless the class asks for <see cref="StoreEngine.Postgres"/>: then each test's hub has
/// a fresh PostgreSQL database, and without EDGEAI_TEST_POSTGRES the test skips (saying so) before anything is made.
/// A class whose tests should run on both is unsealed with a protected constructor taking the engine, and a
/// one-line derived class runs it on PostgreSQL (see Store/OnPostgres.cs).
/// </summary>
public abstract class HubTest : IAsyncLifetime
{
    protected HubTest(IEnumerable<KeyValuePair<string, string?>>? hubSettings = null, StoreEngine engine = StoreEngine.Sqlite)
        : this(SkipUnlessAvailable(engine), hubSettings)
    {
    }

    // The engine is checked in the chained call, before the scratch tree exists, so a skipped test leaves nothing behind.
    private HubTest(StoreEngine engine, IEnumerable<KeyValuePair<string, string?>>? hubSettings)
    {
        Engine = engine;
        Hub = new TestHub(Scratch.Sub("hub"), hubSettings);
    }

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    internal Scratch Scratch { get; } = new();

    internal TestHub Hub { get; }

    internal StoreEngine Engine { get; }

    /// <summary>The hub's PostgreSQL database, once started on <see cref="StoreEngine.Postgres"/>; null on SQLite.</summary>
    internal TestDatabase? Database { get; private set; }

    public virtual async ValueTask InitializeAsync()
    {
        if (Engine == StoreEngine.Postgres)
        {
            Database = await TestDatabase.CreateAsync(Token);
            Hub.Configure(Database.HubSettings);
        }
        await Hub.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the hub (which checks its error log), then drops its database and deletes the scratch tree; what a test class adds goes first.</summary>
    protected virtual async ValueTask DisposeAsyncCore()
    {
        try
        {
            await Hub.DisposeAsync();
        }
        finally
        {
            try
            {
                if (Database is not null)
                {
                    await Database.DisposeAsync();
                }
            }
            finally
            {
                Scratch.Dispose();
            }
        }
    }

    private static StoreEngine SkipUnlessAvailable(StoreEngine engine)
    {
        if (engine == StoreEngine.Postgres && !TestDatabase.IsAvailable)
        {
            Assert.Skip(TestDatabase.Unavailable);
        }
        return engine;
    }
}
