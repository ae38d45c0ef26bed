using System.Threading.Channels;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Leadership;
using EdgeAi.Hub.Store;
using EdgeAi.Serving.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Hub.Tests.Leadership;

/// <summary>
/// The lease loop against a store whose every answer the test gives, on a fake clock: a term starts on a
/// grant, goes on while renewals are granted, ends on a refusal or when a renewal does not answer before
/// the holding stops being safe, and a clean stop releases the lease. Time moves only when the loop waits
/// on a timer (the clock reports each timer it makes), so no step races the clock.
/// </summary>
public sealed class LeaderLeaseTests : IAsyncLifetime
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);

    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-leader-").FullName;
    private readonly TimerClock _time = new();
    private readonly ScriptedStore _store = new();
    private readonly CancellationTokenSource _stop = new();
    private LeaderLease _lease = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var contexts = new Contexts($"Data Source={Path.Combine(_dir, "hub.db")};Pooling=False");
        var store = Options.Create(new StoreOptions());
        var schema = new StoreInitializer(new StoreMigrator(contexts, store, Options.Create(new HubOptions { DataDirectory = _dir }), NullLogger<StoreMigrator>.Instance), store);
        await schema.StartAsync(Token);
        _lease = new LeaderLease(_store, schema, new LoopSupervisor(_time, NullLogger<LoopSupervisor>.Instance),
            Options.Create(new LeaseOptions { Duration = Duration, Holder = "me" }), _time, NullLogger<LeaderLease>.Instance);
        await _lease.StartAsync(_stop.Token);
    }

    [Fact]
    public async Task Granted_TermStartsAndRenewsEveryThird_RefusalEndsItAndAsksAgain()
    {
        var term = await AcquireAsync(epoch: 4);
        term.Epoch.ShouldBe(4);

        await AdvanceToAsync(TimeSpan.FromSeconds(5));
        var renewal = await _store.NextAsync(Token);
        (renewal.Kind, renewal.Epoch).ShouldBe(("renew", 4L));
        renewal.Answer(true);
        await AdvanceToAsync(TimeSpan.FromSeconds(5));
        var second = await _store.NextAsync(Token);
        second.Kind.ShouldBe("renew");
        term.Ended.IsCancellationRequested.ShouldBeFalse();

        second.Answer(false);

        await Ended(term);
        _lease.Current.ShouldBeNull();
        (await _store.NextAsync(Token)).Kind.ShouldBe("acquire", "a follower asks again");
    }

    [Fact]
    public async Task RenewalUnanswered_TermEndsWhenTheHoldingStopsBeingSafe()
    {
        var term = await AcquireAsync(epoch: 1);
        await AdvanceToAsync(TimeSpan.FromSeconds(5));
        var renewal = await _store.NextAsync(Token);

        // The renewal waits no longer than the holding stays safe: 15 s less the margin, 5 s of it gone.
        await AdvanceToAsync(Duration - (Duration / 10) - TimeSpan.FromSeconds(5));

        await Ended(term);
        renewal.Cancelled.IsCancellationRequested.ShouldBeTrue();
        _lease.Current.ShouldBeNull();
    }

    [Fact]
    public async Task Stop_WhileHolding_EndsTheTermAndReleases()
    {
        var term = await AcquireAsync(epoch: 2);

        var stopping = _lease.StopAsync(Token);
        var release = await _store.NextAsync(Token);
        release.Answer(true);
        await stopping;

        (release.Kind, release.Epoch).ShouldBe(("release", 2L));
        term.Ended.IsCancellationRequested.ShouldBeTrue();
    }

    private async Task<LeaderTerm> AcquireAsync(long epoch)
    {
        var call = await _store.NextAsync(Token);
        call.Kind.ShouldBe("acquire");
        call.Answer(epoch);
        return await _lease.WaitForTermAsync(Token).WaitAsync(TimeSpan.FromSeconds(10), Token);
    }

    /// <summary>Waits for the loop to make a timer due in <paramref name="due"/>, then moves the clock to it.</summary>
    private async Task AdvanceToAsync(TimeSpan due)
    {
        while (await _time.Timers.Reader.ReadAsync(Token).AsTask().WaitAsync(TimeSpan.FromSeconds(10), Token) != due)
        {
        }
        _time.Advance(due);
    }

    private static Task Ended(LeaderTerm term) => Task.Delay(Timeout.Infinite, term.Ended).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(TimeSpan.FromSeconds(10), Token);

    public async ValueTask DisposeAsync()
    {
        _store.AnswerAll();
        await _stop.CancelAsync();
        await _lease.StopAsync(CancellationToken.None);
        _lease.Dispose();
        _stop.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A fake clock that reports the due time of every timer made on it.</summary>
    private sealed class TimerClock() : FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero))
    {
        public Channel<TimeSpan> Timers { get; } = Channel.CreateUnbounded<TimeSpan>();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            Timers.Writer.TryWrite(dueTime);
            return timer;
        }
    }

    /// <summary>One call the lease made to the store, waiting for the test's answer.</summary>
    private sealed class Call(string kind, long epoch, CancellationToken cancelled)
    {
        private readonly TaskCompletionSource<object?> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Kind { get; } = kind;

        public long Epoch { get; } = epoch;

        public CancellationToken Cancelled { get; } = cancelled;

        public Task<object?> Answered => _answer.Task.WaitAsync(Cancelled);

        public void Answer(object? value) => _answer.TrySetResult(value);
    }

    private sealed class ScriptedStore : ILeaseStore
    {
        private readonly Channel<Call> _calls = Channel.CreateUnbounded<Call>();
        private readonly List<Call> _all = [];

        public bool IsShared => true;

        public Task<Call> NextAsync(CancellationToken cancellationToken) => _calls.Reader.ReadAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);

        private bool _closing;

        /// <summary>Answers every call made so far and every later one at once (null): the test is over.</summary>
        public void AnswerAll()
        {
            lock (_all)
            {
                _closing = true;
                foreach (var call in _all)
                {
                    call.Answer(null);
                }
            }
        }

        public async Task<long?> TryAcquireAsync(string holder, TimeSpan duration, CancellationToken cancellationToken) =>
            (long?)await Make("acquire", 0, cancellationToken).Answered;

        public async Task<bool> TryRenewAsync(string holder, long epoch, TimeSpan duration, CancellationToken cancellationToken) =>
            (bool?)await Make("renew", epoch, cancellationToken).Answered ?? false;

        public async Task ReleaseAsync(string holder, long epoch, CancellationToken cancellationToken) => await Make("release", epoch, cancellationToken).Answered;

        public Task<bool> FenceAsync(HubDbContext db, LeaderTerm term, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task LockChangesAsync(HubDbContext db, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task UnlockChangesAsync(HubDbContext db) => throw new NotSupportedException();

        private Call Make(string kind, long epoch, CancellationToken cancellationToken)
        {
            var call = new Call(kind, epoch, cancellationToken);
            lock (_all)
            {
                _all.Add(call);
                if (_closing)
                {
                    call.Answer(null);
                }
            }
            _calls.Writer.TryWrite(call);
            return call;
        }
    }

    private sealed class Contexts(string connectionString) : IDbContextFactory<HubDbContext>
    {
        public HubDbContext CreateDbContext() => new SqliteHubDbContext(new DbContextOptionsBuilder().UseSqlite(connectionString).Options);
    }
}
