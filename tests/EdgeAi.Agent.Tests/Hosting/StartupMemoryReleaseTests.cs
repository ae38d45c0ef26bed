using EdgeAi.Agent.Hosting;
using EdgeAi.Testing;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Agent.Tests.Hosting;

public sealed class StartupMemoryReleaseTests
{
    [Fact]
    public async Task Release_RunsOnceStartupIsDoneAndSettled()
    {
        var time = new SignallingTime();
        var startupDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releases = 0;
        using var service = new StartupMemoryRelease(_ => startupDone.Task, time, () => { Interlocked.Increment(ref releases); released.TrySetResult(); });

        await service.StartAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromMinutes(1));
        releases.ShouldBe(0, "start-up is not done yet: the settle has not begun");

        startupDone.SetResult();
        await time.TimerCreated.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        time.Advance(StartupMemoryRelease.Settle - TimeSpan.FromMilliseconds(1));
        releases.ShouldBe(0, "still settling");
        time.Advance(TimeSpan.FromMilliseconds(1));
        await released.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        time.Advance(TimeSpan.FromMinutes(10));
        await service.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        releases.ShouldBe(1);
    }

    [Fact]
    public async Task Stop_BeforeStartupIsDone_NeverReleases()
    {
        var releases = 0;
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var service = new StartupMemoryRelease(
            ct =>
            {
                waiting.TrySetResult();
                return Task.Delay(Timeout.Infinite, ct);
            },
            new FakeTimeProvider(),
            () => releases++);

        await service.StartAsync(TestContext.Current.CancellationToken);
        // ExecuteAsync runs on the thread pool: stop once it waits on start-up, not before it has begun.
        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await service.StopAsync(TestContext.Current.CancellationToken);

        service.ExecuteTask!.IsCompletedSuccessfully.ShouldBeTrue("a stop while waiting is a normal end, not a fault");
        releases.ShouldBe(0);
    }

    [Fact]
    public void CompactHeap_RunsAFullBlockingCollection()
    {
        var before = GC.CollectionCount(GC.MaxGeneration);
        StartupMemoryRelease.CompactHeap();
        GC.CollectionCount(GC.MaxGeneration).ShouldBeGreaterThan(before);
    }
}
