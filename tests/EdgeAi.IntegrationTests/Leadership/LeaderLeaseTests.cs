using System.Diagnostics;
using EdgeAi.Hub.Deployments;
using EdgeAi.Hub.Leadership;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.Leadership;

/// <summary>
/// The leader lease on a real PostgreSQL (skipped without EDGEAI_TEST_POSTGRES): hubs on one database
/// contend and one leads; a holder that stops renewing is replaced once its holding expires on the
/// database's clock, with the next epoch; a write fenced by a stale epoch is refused and writes nothing.
/// </summary>
public sealed class LeaderLeaseTests : IAsyncLifetime
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(2);

    private readonly Scratch _scratch = new();
    private readonly List<TestHub> _hubs = [];
    private TestDatabase? _database;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        if (TestDatabase.IsAvailable)
        {
            _database = await TestDatabase.CreateAsync(Token);
        }
    }

    [Fact]
    public async Task TwoHubs_OneDatabase_ExactlyOneLeadsAndTheOtherFollowsWhenItStops()
    {
        var database = _database ?? Skip();
        var a = NewHub(database, "a");
        var b = NewHub(database, "b");
        // The schema first: two first starts at once on an empty database race in creating the schema (the migrations take an advisory lock; here the test makes it first).
        await CreateSchemaAsync(database);
        await Task.WhenAll(a.StartAsync(), b.StartAsync());

        await Eventually.UntilAsync(() => Task.FromResult(Lease(a).Current is not null || Lease(b).Current is not null), "one hub to lead", Token);
        var (leader, follower) = Lease(a).Current is not null ? (a, b) : (b, a);
        // Renewed again and again (its expiry moves a whole duration on), it still leads alone.
        var epoch = Lease(leader).Current!.Epoch;
        var first = (await RowAsync(database)).ExpiresAtMs;
        await Eventually.UntilAsync(async () => (await RowAsync(database)).ExpiresAtMs >= first + (long)Duration.TotalMilliseconds, "the leader to keep renewing", Token);
        Lease(leader).Current.ShouldNotBeNull().Epoch.ShouldBe(epoch);
        Lease(follower).Current.ShouldBeNull();
        (await RowAsync(database)).Holder.ShouldBe(Lease(leader).Holder);

        // A clean stop releases the lease: the other takes it without waiting for it to expire.
        var stopped = Stopwatch.StartNew();
        await leader.StopAsync();
        var term = await Lease(follower).WaitForTermAsync(Token).WaitAsync(Eventually.DefaultTimeout, Token);
        term.Epoch.ShouldBe(epoch + 1);
        stopped.Elapsed.ShouldBeLessThan(Duration, "a released lease is taken at the next ask (a third of the duration)");
    }

    [Fact]
    public async Task HolderStopsRenewing_HubTakesOverAfterExpiryWithNextEpoch()
    {
        var database = _database ?? Skip();
        // A holder that took the lease and then froze: it never renews.
        var frozen = new SqlLeaseStore(new Contexts(database.ConnectionString), postgres: true, TimeProvider.System);
        await CreateSchemaAsync(database);
        (await frozen.TryAcquireAsync("frozen", Duration, Token)).ShouldBe(1);
        var acquired = Stopwatch.StartNew();

        var hub = NewHub(database, "b");
        await hub.StartAsync();
        Lease(hub).Current.ShouldBeNull("the frozen holder's lease has not expired yet");
        var term = await Lease(hub).WaitForTermAsync(Token).WaitAsync(Eventually.DefaultTimeout, Token);

        acquired.Elapsed.ShouldBeGreaterThanOrEqualTo(Duration - TimeSpan.FromMilliseconds(50), "taken over only after expiry (database clock)");
        term.Epoch.ShouldBe(2);
        (await frozen.TryRenewAsync("frozen", 1, Duration, Token)).ShouldBeFalse("the frozen holder wakes up too late");
        (await RowAsync(database)).Holder.ShouldBe(Lease(hub).Holder);
    }

    [Fact]
    public async Task StaleEpoch_FencedChange_RefusedAndWritesNothing()
    {
        var database = _database ?? Skip();
        var hub = NewHub(database, "a");
        await hub.StartAsync();
        var term = await Lease(hub).WaitForTermAsync(Token).WaitAsync(Eventually.DefaultTimeout, Token);
        // Another replica takes the lease over while this one is paused (it has not noticed yet).
        await using (var db = new Contexts(database.ConnectionString).CreateDbContext())
        {
            (await db.Database.ExecuteSqlRawAsync("UPDATE leases SET holder = 'intruder', epoch = epoch + 1, expires_at_ms = expires_at_ms + 600000", Token)).ShouldBe(1);
        }

        var changes = hub.Services.GetRequiredService<DesiredStateChanges>();
        await Should.ThrowAsync<LeaseLostException>(() => changes.ChangeAsync<bool>((db, _) =>
        {
            db.Cursors.Add(new CursorRow { Name = "written-by-stale-leader", Position = 1 });
            return Task.FromResult<Hub.Admin.Outcome<bool>>(true);
        }, savesMidway: false, Token, fence: term));

        await using (var db = new Contexts(database.ConnectionString).CreateDbContext())
        {
            (await db.Cursors.AnyAsync(c => c.Name == "written-by-stale-leader", Token)).ShouldBeFalse();
        }
        // The hub's own loops notice too (the fenced tick, or the refused renewal): it leads no more.
        await Eventually.UntilAsync(() => Task.FromResult(Lease(hub).Current is null), "the paused leader to give up", Token);
    }

    private TestHub NewHub(TestDatabase database, string name)
    {
        var settings = new Dictionary<string, string?>(database.HubSettings, StringComparer.OrdinalIgnoreCase)
        {
            ["Hub:Lease:Duration"] = Duration.ToString(),
            ["Hub:Deployments:PollInterval"] = "00:00:00.100",
        };
        var hub = new TestHub(_scratch.Sub(name), settings);
        _hubs.Add(hub);
        return hub;
    }

    private static LeaderLease Lease(TestHub hub) => hub.Services.GetRequiredService<LeaderLease>();

    private static async Task<LeaseRow> RowAsync(TestDatabase database)
    {
        await using var db = new Contexts(database.ConnectionString).CreateDbContext();
        return await db.Leases.AsNoTracking().SingleAsync(Token);
    }

    private static async Task CreateSchemaAsync(TestDatabase database)
    {
        await using var db = new Contexts(database.ConnectionString).CreateDbContext();
        await db.Database.MigrateAsync(Token);
    }

    private static TestDatabase Skip()
    {
        Assert.Skip(TestDatabase.Unavailable);
        return null!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hub in _hubs)
        {
            await hub.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        _scratch.Dispose();
    }

    private sealed class Contexts(string connectionString) : IDbContextFactory<HubDbContext>
    {
        public HubDbContext CreateDbContext() => new PostgresHubDbContext(new DbContextOptionsBuilder().UseNpgsql(connectionString).Options);
    }
}
