using EdgeAi.Common.Sync;
using EdgeAi.Serving.Hosting;
using EdgeAi.Serving.Store;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace EdgeAi.Agent.SyncDown;

/// <summary>
/// Follows the desired state with the <see cref="Reconciler"/>: once the models on disk are loaded (the
/// model loader's initial load), the persisted state (so an offline boot follows the last one seen), then
/// every newer one the store receives. A pass that could not finish (hub unreachable, a report not stored)
/// or that failed unexpectedly runs again after an exponential, jittered backoff (a Polly retry) until it
/// finishes; a newer state interrupts both the pass (a download resumes later from its offset) and the wait.
/// </summary>
internal sealed class ReconcileLoop : BackgroundService
{
    private readonly DesiredStateStore _desired;
    private readonly Reconciler _reconciler;
    private readonly ModelLoader _loader;
    private readonly ResiliencePipeline<bool> _retry;
    private readonly LoopSupervisor _supervisor;

    public ReconcileLoop(
        DesiredStateStore desired, Reconciler reconciler, ModelLoader loader, IOptions<FleetOptions> options, TimeProvider time, ILogger<ReconcileLoop> logger, LoopSupervisor supervisor)
    {
        ArgumentNullException.ThrowIfNull(options);
        _desired = desired;
        _reconciler = reconciler;
        _loader = loader;
        _supervisor = supervisor;
        _retry = new ResiliencePipelineBuilder<bool> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<bool>
            {
                // A pass asks for another (true), or failed unexpectedly: never let one bad pass stop the agent.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result || args.Outcome.Exception is { } e && e is not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.Value.RetryDelay,
                MaxDelay = options.Value.MaxRetryDelay,
                OnRetry = args =>
                {
                    var revision = _desired.Current?.Revision ?? 0;
                    if (args.Outcome.Exception is { } crash)
                    {
                        SyncDownLog.PassCrashed(logger, crash, revision);
                    }
                    SyncDownLog.RetryScheduled(logger, revision, args.RetryDelay);
                    return default;
                },
            })
            .Build();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _supervisor.RunAsync("reconciler", RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _loader.InitialLoad.WaitAsync(stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                // Taken before the state is read, so a state stored in between is not missed.
                var changed = _desired.Changed;
                if (_desired.Current is { } state)
                {
                    await FollowAsync(state, changed, stoppingToken).ConfigureAwait(false);
                }
                await changed.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Reconciles <paramref name="state"/>, again after a backoff as long as a pass asks for it, until one finishes or <paramref name="changed"/> completes.</summary>
    private async Task FollowAsync(DesiredState state, Task changed, CancellationToken stoppingToken)
    {
        using var untilChanged = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var passes = _retry.ExecuteAsync(async token => await _reconciler.ReconcileAsync(state, token).ConfigureAwait(false), untilChanged.Token).AsTask();
        if (await Task.WhenAny(passes, changed).ConfigureAwait(false) != passes)
        {
            // A newer state: stop here; the next pass starts from what the device has by then.
            await untilChanged.CancelAsync().ConfigureAwait(false);
        }
        try
        {
            await passes.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (untilChanged.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
        }
    }
}
