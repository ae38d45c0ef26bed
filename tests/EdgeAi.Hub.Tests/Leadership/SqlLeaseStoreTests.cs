using EdgeAi.Hub.Leadership;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Hub.Tests.Leadership;

/// <summary>
/// The lease row's rules, on a SQLite file with a fake clock (on PostgreSQL the database's clock judges;
/// the integration tests run the same store there): one holder at a time, takeover only after expiry,
/// the epoch rising on every takeover, and the fence refusing an old epoch.
/// </summary>
public sealed class SqlLeaseStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);

    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-lease-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly Factory _factory;
    private readonly SqlLeaseStore _store;

    public SqlLeaseStoreTests()
    {
        _factory = new Factory($"Data Source={Path.Combine(_dir, "hub.db")};Pooling=False");
        _store = new SqlLeaseStore(_factory, postgres: false, _time);
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await using var db = _factory.CreateDbContext();
        await db.Database.MigrateAsync(Token);
    }

    [Fact]
    public async Task TryAcquire_Free_FirstWinsSecondRefused()
    {
        (await _store.TryAcquireAsync("a", Duration, Token)).ShouldBe(1);

        (await _store.TryAcquireAsync("b", Duration, Token)).ShouldBeNull();
        (await LeaseAsync()).Holder.ShouldBe("a");
    }

    [Fact]
    public async Task TryAcquire_HolderStoppedRenewing_TakenOverOnlyAfterExpiryWithNextEpoch()
    {
        (await _store.TryAcquireAsync("a", Duration, Token)).ShouldBe(1);

        _time.Advance(Duration - TimeSpan.FromMilliseconds(1));
        (await _store.TryAcquireAsync("b", Duration, Token)).ShouldBeNull();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        (await _store.TryAcquireAsync("b", Duration, Token)).ShouldBe(2);

        (await _store.TryRenewAsync("a", 1, Duration, Token)).ShouldBeFalse("the old holder's renewal comes after the takeover");
        var lease = await LeaseAsync();
        (lease.Holder, lease.Epoch).ShouldBe(("b", 2L));
    }

    [Fact]
    public async Task TryRenew_InTime_ExtendsFromNow()
    {
        await _store.TryAcquireAsync("a", Duration, Token);
        _time.Advance(TimeSpan.FromSeconds(10));

        (await _store.TryRenewAsync("a", 1, Duration, Token)).ShouldBeTrue();

        _time.Advance(TimeSpan.FromSeconds(10));
        (await _store.TryAcquireAsync("b", Duration, Token)).ShouldBeNull("renewed 10 s ago for 15 s");
    }

    [Fact]
    public async Task TryRenew_AfterExpiryEvenUntaken_Refused()
    {
        await _store.TryAcquireAsync("a", Duration, Token);
        _time.Advance(Duration);

        (await _store.TryRenewAsync("a", 1, Duration, Token)).ShouldBeFalse();
    }

    [Fact]
    public async Task Release_LetsTheNextTakeOverAtOnce()
    {
        await _store.TryAcquireAsync("a", Duration, Token);

        await _store.ReleaseAsync("a", 1, Token);

        (await _store.TryAcquireAsync("b", Duration, Token)).ShouldBe(2);
    }

    [Fact]
    public async Task Fence_StaleEpoch_RefusedCurrentAccepted()
    {
        await _store.TryAcquireAsync("a", Duration, Token);
        _time.Advance(Duration);
        await _store.TryAcquireAsync("b", Duration, Token);

        await using var db = _factory.CreateDbContext();
        await using var transaction = await db.Database.BeginTransactionAsync(Token);
        (await _store.FenceAsync(db, new LeaderTerm("a", 1, CancellationToken.None), Token)).ShouldBeFalse();
        (await _store.FenceAsync(db, new LeaderTerm("b", 1, CancellationToken.None), Token)).ShouldBeFalse("right holder, old epoch");
        (await _store.FenceAsync(db, new LeaderTerm("b", 2, CancellationToken.None), Token)).ShouldBeTrue();
    }

    [Fact]
    public async Task Fence_OutsideTransaction_Throws()
    {
        await using var db = _factory.CreateDbContext();

        await Should.ThrowAsync<InvalidOperationException>(() => _store.FenceAsync(db, new LeaderTerm("a", 1, CancellationToken.None), Token));
    }

    private async Task<LeaseRow> LeaseAsync()
    {
        await using var db = _factory.CreateDbContext();
        return await db.Leases.AsNoTracking().SingleAsync(Token);
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }

    private sealed class Factory(string connectionString) : IDbContextFactory<HubDbContext>
    {
        public HubDbContext CreateDbContext() => new SqliteHubDbContext(new DbContextOptionsBuilder().UseSqlite(connectionString).Options);
    }
}
