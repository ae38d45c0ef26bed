using EdgeAi.Hub.Store;
using EdgeAi.Serving.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Leadership;

/// <summary>
/// This replica's pursuit of the leader lease: it asks every third of the lease's duration until it
/// gets it, then renews as often, and gives the holding up when a renewal is refused, fails or would
/// arrive too late (<see cref="LeaseClock"/>). Leader work waits for a term
/// (<see cref="WaitForTermAsync"/>) and stops when the term's token is cancelled; its writes are fenced
/// by the term's epoch (<see cref="ILeaseStore.FenceAsync"/>), so a paused ex-leader that has not yet
/// noticed cannot write. A clean stop releases the lease for the next replica at once.
/// </summary>
internal sealed class LeaderLease(
    ILeaseStore store, StoreInitializer schema, LoopSupervisor supervisor, IOptions<LeaseOptions> options, TimeProvider time, ILogger<LeaderLease> logger)
    : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly LeaseClock _clock = new(time, options.Value.Duration);
    private TaskCompletionSource<LeaderTerm> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LeaderTerm? _current;
    private CancellationTokenSource? _termSource;
    private bool _acquireFailing;

    public string Holder { get; } = string.IsNullOrWhiteSpace(options.Value.Holder)
        ? $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}"
        : options.Value.Holder;

    /// <summary>The term this replica holds now, or null.</summary>
    public LeaderTerm? Current
    {
        get
        {
            lock (_gate)
            {
                return _current;
            }
        }
    }

    /// <summary>Completes with the current term, or the next one this replica gets.</summary>
    public Task<LeaderTerm> WaitForTermAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _current is { } term ? Task.FromResult(term) : _next.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Ends <paramref name="term"/> now, if it is still current: its fence refused a write, so the lease is gone whatever the clock says.</summary>
    public void Abandon(LeaderTerm term, string reason)
    {
        ArgumentNullException.ThrowIfNull(term);
        if (Current == term)
        {
            EndTerm(term, reason);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await schema.EnsureCreatedAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        await supervisor.RunAsync("leader-lease", RunAsync, stoppingToken).ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var term = await AcquireAsync(stoppingToken).ConfigureAwait(false);
                await HoldAsync(term, stoppingToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (Current is { } term)
            {
                EndTerm(term, reason: null);
                await ReleaseAsync(term).ConfigureAwait(false);
            }
        }
    }

    private async Task<LeaderTerm> AcquireAsync(CancellationToken stoppingToken)
    {
        var duration = _clock.Duration;
        while (true)
        {
            var asked = _clock.Asking();
            long? epoch = null;
            try
            {
                epoch = await store.TryAcquireAsync(Holder, duration, stoppingToken).ConfigureAwait(false);
                _acquireFailing = false;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                if (!_acquireFailing)
                {
                    // Once per outage, not once per try.
                    _acquireFailing = true;
                    Log.AcquireFailed(logger, Holder, e.Message, _clock.RenewEvery);
                }
            }
            if (epoch is { } granted)
            {
                _clock.Granted(granted, asked);
                return StartTerm(granted);
            }
            await Task.Delay(_clock.RenewEvery, time, stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task HoldAsync(LeaderTerm term, CancellationToken stoppingToken)
    {
        using var held = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, term.Ended);
        while (true)
        {
            try
            {
                await Task.Delay(_clock.UntilRenewal, time, held.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // Abandoned: the term already ended.
                _clock.Lost();
                return;
            }
            var (granted, askedAt, why) = await RenewAsync(term, stoppingToken).ConfigureAwait(false);
            if (!_clock.Renewed(granted, askedAt))
            {
                EndTerm(term, why ?? "the renewal arrived too late to trust");
                return;
            }
        }
    }

    /// <summary>One renewal, given only as long as the holding stays safe: an answer after that is no answer.</summary>
    private async Task<(bool Granted, long AskedAt, string? Why)> RenewAsync(LeaderTerm term, CancellationToken stoppingToken)
    {
        var asked = _clock.Asking();
        var remaining = _clock.Remaining;
        if (remaining <= TimeSpan.Zero)
        {
            return (false, asked, "no renewal could be made in time");
        }
        using var deadline = new CancellationTokenSource(remaining, time);
        using var call = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, deadline.Token);
        try
        {
            var granted = await store.TryRenewAsync(Holder, term.Epoch, _clock.Duration, call.Token).ConfigureAwait(false);
            return (granted, asked, granted ? null : "the store refused the renewal (another replica holds the lease, or it lapsed)");
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            return (false, asked, deadline.IsCancellationRequested ? $"the renewal did not answer within {remaining}" : $"the renewal failed: {e.Message}");
        }
    }

    private LeaderTerm StartTerm(long epoch)
    {
        var source = new CancellationTokenSource();
        var term = new LeaderTerm(Holder, epoch, source.Token);
        TaskCompletionSource<LeaderTerm> waiting;
        CancellationTokenSource? previous;
        lock (_gate)
        {
            previous = _termSource;
            _termSource = source;
            _current = term;
            waiting = _next;
            _next = new TaskCompletionSource<LeaderTerm>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        previous?.Dispose();
        Log.Acquired(logger, Holder, epoch, _clock.Duration);
        waiting.TrySetResult(term);
        return term;
    }

    /// <summary>Ends the term if it is current; <paramref name="reason"/> null: a clean stop, nothing to warn about.</summary>
    private void EndTerm(LeaderTerm term, string? reason)
    {
        CancellationTokenSource? source;
        lock (_gate)
        {
            if (_current != term)
            {
                return;
            }
            _current = null;
            source = _termSource;
        }
        if (reason is not null)
        {
            Log.Lost(logger, Holder, term.Epoch, reason);
        }
        source?.Cancel();
    }

    private async Task ReleaseAsync(LeaderTerm term)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2), time);
            await store.ReleaseAsync(Holder, term.Epoch, timeout.Token).ConfigureAwait(false);
            Log.Released(logger, Holder, term.Epoch);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.ReleaseFailed(logger, term.Epoch, e.Message);
        }
    }

    public override void Dispose()
    {
        _termSource?.Dispose();
        base.Dispose();
    }
}
