using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace EdgeAi.Serving.Hosting;

/// <summary>How a supervised loop is restarted: the first and the longest wait, and how long a run must last to count as healthy.</summary>
public sealed record LoopBackoff(TimeSpan First, TimeSpan Max, TimeSpan StableRun)
{
    public static LoopBackoff Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5));
}

/// <summary>
/// Keeps background loops running: a loop that throws is logged, counted and started again after an
/// exponential, jittered wait (a Polly retry), instead of failing its hosted service, which would stop
/// the host and with it the device's serving. A run that lasted <see cref="LoopBackoff.StableRun"/>
/// before failing restarts at once and its backoff starts over. A loop that returns ends; stopping
/// (cancellation of the host's token) ends it too.
/// </summary>
public sealed partial class LoopSupervisor
{
    private readonly TimeProvider _time;
    private readonly ILogger<LoopSupervisor> _logger;
    private readonly LoopBackoff _backoff;
    private readonly ConcurrentDictionary<string, long> _restarts = new(StringComparer.Ordinal);

    public LoopSupervisor(TimeProvider time, ILogger<LoopSupervisor> logger, LoopBackoff? backoff = null)
    {
        _time = time;
        _logger = logger;
        _backoff = backoff ?? LoopBackoff.Default;
    }

    /// <summary>Restarts per loop since start (every supervised loop is listed, with 0 until it fails), by name.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Restarts => [.. _restarts.OrderBy(r => r.Key, StringComparer.Ordinal)];

    public async Task RunAsync(string loop, Func<CancellationToken, Task> body, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        _restarts.TryAdd(loop, 0);
        var pipeline = Build(loop, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var end = await pipeline.ExecuteAsync(
                    async token =>
                    {
                        var started = _time.GetTimestamp();
                        try
                        {
                            await body(token).ConfigureAwait(false);
                            return RunEnd.Returned;
                        }
                        catch (Exception e) when (!Stopping(e, stoppingToken) && _time.GetElapsedTime(started) >= _backoff.StableRun)
                        {
                            return new RunEnd(e); // not a crash loop: start again at once, with the backoff reset
                        }
                    },
                    stoppingToken).ConfigureAwait(false);
                if (end.Failure is null)
                {
                    return; // the loop ended by itself
                }
                Restarting(loop, end.Failure, TimeSpan.Zero);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private ResiliencePipeline<RunEnd> Build(string loop, CancellationToken stoppingToken) =>
        new ResiliencePipelineBuilder<RunEnd> { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions<RunEnd>
            {
                ShouldHandle = new PredicateBuilder<RunEnd>().Handle<Exception>(e => !Stopping(e, stoppingToken)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _backoff.First,
                MaxDelay = _backoff.Max,
                OnRetry = args =>
                {
                    Restarting(loop, args.Outcome.Exception!, args.RetryDelay);
                    return default;
                },
            })
            .Build();

    private static bool Stopping(Exception e, CancellationToken stoppingToken) => e is OperationCanceledException && stoppingToken.IsCancellationRequested;

    private void Restarting(string loop, Exception exception, TimeSpan delay)
    {
        var restarts = _restarts.AddOrUpdate(loop, 1, static (_, n) => n + 1);
        LoopFailed(_logger, exception, loop, restarts, delay);
    }

    /// <summary>How one run of a loop ended: by returning, or by failing after a stable run.</summary>
    private sealed record RunEnd(Exception? Failure)
    {
        public static RunEnd Returned { get; } = new((Exception?)null);
    }

    /// <summary>Event ids 1200-1299: hosting.</summary>
    [LoggerMessage(1200, LogLevel.Error, "Background loop {Loop} failed; restart {Restarts} in {Delay}")]
    private static partial void LoopFailed(ILogger logger, Exception exception, string loop, long restarts, TimeSpan delay);
}
