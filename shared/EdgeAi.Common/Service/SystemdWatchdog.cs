using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace EdgeAi.Common.Service;

/// <summary>The watchdog interval asked of this process (<see cref="WatchdogSettings"/>); null: none.</summary>
public sealed record SystemdWatchdogOptions(TimeSpan? Interval);

/// <summary>
/// Feeds systemd's watchdog (WatchdogSec=): WATCHDOG=1 every half timeout, which the hosting package does not send.
/// While the host starts it is fed unconditionally (TimeoutStartSec= bounds a start that hangs); once started only
/// while every <see cref="ILivenessProbe"/> says the process is live, so a wedged process is killed and restarted;
/// once stopping not at all (TimeoutStopSec= takes over). It runs from <see cref="StartingAsync"/>, before any
/// hosted service starts, so a slow start of another one does not starve it.
/// </summary>
public sealed class SystemdWatchdog(
    ISystemdNotifier notifier,
    IEnumerable<ILivenessProbe> probes,
    IHostApplicationLifetime lifetime,
    SystemdWatchdogOptions options,
    TimeProvider time,
    ILogger<SystemdWatchdog> logger) : IHostedLifecycleService, IDisposable
{
    private static readonly ServiceState Watchdog = new("WATCHDOG=1");
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILivenessProbe[] _probes = [.. probes];
    private Task _loop = Task.CompletedTask;
    private string? _problem;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Interval is { } interval && notifier.IsEnabled)
        {
            ServiceLog.WatchdogOn(logger, interval, _probes.Length);
            _loop = RunAsync(interval, _stopping.Token);
        }
        return Task.CompletedTask;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stopping.Dispose();

    private async Task RunAsync(TimeSpan interval, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                if (await LiveAsync(interval, stopping).ConfigureAwait(false))
                {
                    notifier.Notify(Watchdog);
                }
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (System.Net.Sockets.SocketException e)
        {
            // NOTIFY_SOCKET names no listening socket: nobody is there to feed. Stopping over it would be worse.
            ServiceLog.NotifyFailed(logger, e);
        }
    }

    private async Task<bool> LiveAsync(TimeSpan interval, CancellationToken stopping)
    {
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return true;
        }
        string? problem = null;
        foreach (var probe in _probes)
        {
            // Half the interval each, so that a hanging probe still leaves time for the next ping.
            using var deadline = new CancellationTokenSource(interval / 2, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, stopping);
            try
            {
                problem = await probe.ProblemAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                problem = $"{probe.GetType().Name} did not answer within {interval / 2}";
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                problem = $"{probe.GetType().Name} failed: {e.Message}"; // not live; the watchdog itself goes on
            }
            if (problem is not null)
            {
                break;
            }
        }
        if (problem != _problem && !stopping.IsCancellationRequested)
        {
            if (problem is null)
            {
                ServiceLog.LiveAgain(logger);
            }
            else
            {
                ServiceLog.NotLive(logger, problem);
            }
        }
        _problem = problem;
        return problem is null;
    }
}
