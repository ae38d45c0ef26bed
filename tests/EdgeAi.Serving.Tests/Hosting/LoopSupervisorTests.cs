using EdgeAi.Serving.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Serving.Tests.Hosting;

/// <summary>A loop that throws is restarted after a backoff and counted; it never ends the host's service.</summary>
public sealed class LoopSupervisorTests
{
    private static readonly LoopBackoff Backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(5));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task RunAsync_LoopThrows_RestartsAfterABackoffAndCounts()
    {
        var supervisor = new LoopSupervisor(_time, NullLogger<LoopSupervisor>.Instance, Backoff);
        var runs = new List<DateTimeOffset>();

        var run = supervisor.RunAsync("sampler", _ =>
        {
            runs.Add(_time.GetUtcNow());
            return runs.Count < 3 ? throw new InvalidOperationException($"crash {runs.Count}") : Task.CompletedTask;
        }, TestContext.Current.CancellationToken);
        await AdvanceUntilAsync(run);

        runs.Count.ShouldBe(3, "two crashes, then a run that ended by itself");
        runs.ShouldBeInOrder(SortDirection.Ascending);
        runs.Distinct().Count().ShouldBe(3, "each restart waited for time to pass");
        (runs[2] - runs[1]).ShouldBeLessThanOrEqualTo(Backoff.Max + TimeSpan.FromSeconds(1));
        supervisor.Restarts.ShouldBe([new KeyValuePair<string, long>("sampler", 2)]);
    }

    [Fact]
    public async Task RunAsync_LoopFailsAfterAStableRun_RestartsAtOnceWithBackoffReset()
    {
        var supervisor = new LoopSupervisor(_time, NullLogger<LoopSupervisor>.Instance, Backoff);
        var runs = new List<DateTimeOffset>();

        var run = supervisor.RunAsync("uplink", async token =>
        {
            runs.Add(_time.GetUtcNow());
            if (runs.Count == 1)
            {
                await Task.Delay(TimeSpan.FromMinutes(6), _time, token); // a healthy run, longer than StableRun
                throw new InvalidOperationException("failed after a stable run");
            }
        }, TestContext.Current.CancellationToken);
        await AdvanceUntilAsync(run);

        runs.Count.ShouldBe(2);
        (runs[1] - runs[0]).ShouldBeLessThan(TimeSpan.FromMinutes(6) + Backoff.First, "no backoff after a run that had been healthy");
        supervisor.Restarts.Single().Value.ShouldBe(1);
    }

    [Fact]
    public async Task RunAsync_StoppedDuringBackoff_EndsQuietly()
    {
        var supervisor = new LoopSupervisor(_time, NullLogger<LoopSupervisor>.Instance, Backoff);
        using var stopping = new CancellationTokenSource();
        var runs = 0;

        var run = supervisor.RunAsync("reconciler", _ =>
        {
            runs++;
            stopping.Cancel(); // the host stops while the loop waits to restart
            throw new InvalidOperationException("crash");
        }, stopping.Token);

        await run.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        runs.ShouldBe(1);
        run.IsCompletedSuccessfully.ShouldBeTrue();
    }

    [Fact]
    public async Task RunAsync_StoppingCancelsTheLoop_NotCountedAsAFailure()
    {
        var supervisor = new LoopSupervisor(_time, NullLogger<LoopSupervisor>.Instance, Backoff);
        using var stopping = new CancellationTokenSource();

        var run = supervisor.RunAsync("telemetry", token => Task.Delay(Timeout.InfiniteTimeSpan, _time, token), stopping.Token);
        await stopping.CancelAsync();

        await run.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        supervisor.Restarts.ShouldBe([new KeyValuePair<string, long>("telemetry", 0)]);
    }

    /// <summary>Moves fake time on in small steps until the supervised loop has ended (no wall-clock waits).</summary>
    private async Task AdvanceUntilAsync(Task run)
    {
        for (var step = 0; !run.IsCompleted; step++)
        {
            step.ShouldBeLessThan(100_000, "the loop should have ended");
            _time.Advance(TimeSpan.FromMilliseconds(100));
            await Task.Yield();
        }
        await run;
    }
}
