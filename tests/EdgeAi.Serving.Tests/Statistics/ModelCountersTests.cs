using EdgeAi.Serving.Statistics;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Serving.Tests.Statistics;

public sealed class ModelCountersTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));

    private long NsPerTick => 1_000_000_000 / _time.TimestampFrequency;

    [Fact]
    public void Snapshot_AfterExecutionsAndRequests_ReportsTritonFiguresInNanoseconds()
    {
        var counters = new ModelCounters(_time);

        counters.Executed(4, 10, 20, 30);
        counters.Succeeded(100, 40, 10, 20, 30);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        counters.Executed(1, 1, 2, 3);
        counters.Succeeded(50, 44, 1, 2, 3);
        counters.Failed(7);

        var stats = counters.Snapshot("m", "1");

        stats.Name.ShouldBe("m");
        stats.Version.ShouldBe("1");
        stats.InferenceCount.ShouldBe(5UL);
        stats.ExecutionCount.ShouldBe(2UL);
        stats.LastInference.ShouldBe((ulong)_time.GetUtcNow().ToUnixTimeMilliseconds());
        var inference = stats.InferenceStats;
        inference.Success.Count.ShouldBe(2UL);
        inference.Success.Ns.ShouldBe((ulong)(150 * NsPerTick));
        inference.Fail.Count.ShouldBe(1UL);
        inference.Fail.Ns.ShouldBe((ulong)(7 * NsPerTick));
        inference.Queue.Ns.ShouldBe((ulong)(84 * NsPerTick));
        inference.ComputeInput.Ns.ShouldBe((ulong)(11 * NsPerTick));
        inference.ComputeInfer.Ns.ShouldBe((ulong)(22 * NsPerTick));
        inference.ComputeOutput.Count.ShouldBe(2UL);
        inference.ComputeOutput.Ns.ShouldBe((ulong)(33 * NsPerTick));
        inference.CacheHit.Count.ShouldBe(0UL);
        stats.BatchStats.Select(b => b.BatchSize).ShouldBe([1UL, 4UL]);
        stats.BatchStats[1].ComputeInfer.Count.ShouldBe(1UL);
        stats.BatchStats[1].ComputeInfer.Ns.ShouldBe((ulong)(20 * NsPerTick));
    }

    [Fact]
    public void Snapshot_NothingRecorded_IsZeroWithNoBatchSizes()
    {
        var stats = new ModelCounters(_time).Snapshot("m", "2");

        stats.LastInference.ShouldBe(0UL);
        stats.InferenceStats.Success.Count.ShouldBe(0UL);
        stats.BatchStats.ShouldBeEmpty();
    }

    [Fact]
    public async Task Record_FromManyThreads_LosesNoCount()
    {
        var counters = new ModelCounters(TimeProvider.System);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                counters.Executed(2, 1, 1, 1);
                counters.Succeeded(3, 0, 1, 1, 1);
            }
        }, TestContext.Current.CancellationToken)));

        var stats = counters.Snapshot("m", "1");
        stats.ExecutionCount.ShouldBe(40_000UL);
        stats.InferenceCount.ShouldBe(80_000UL);
        stats.InferenceStats.Success.Count.ShouldBe(40_000UL);
        stats.BatchStats.Single().ComputeInput.Count.ShouldBe(40_000UL);
    }

    [Fact]
    public void LastInference_RequestsFinishingOutOfOrder_NeverMovesBack()
    {
        var clock = new SettableClock { Now = new DateTimeOffset(2026, 12, 3, 12, 0, 2, TimeSpan.Zero) };
        var counters = new ModelCounters(clock);
        counters.Failed(1);
        var latest = clock.Now.ToUnixTimeMilliseconds();

        // A request that took its timestamp earlier records after the later one.
        clock.Now -= TimeSpan.FromSeconds(1);
        counters.Succeeded(1, 0, 0, 0, 0);

        counters.Snapshot("m", "1").LastInference.ShouldBe((ulong)latest);
    }

    private sealed class SettableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
