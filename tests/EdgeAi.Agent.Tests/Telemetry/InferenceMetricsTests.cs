using EdgeAi.Agent.Telemetry;

namespace EdgeAi.Agent.Tests.Telemetry;

public sealed class InferenceMetricsTests
{
    [Fact]
    public void TakeWindow_CountsServedByFallbackAndErrors_ThenStartsAfresh()
    {
        var metrics = new InferenceMetrics();
        metrics.Record(new InferenceOutcome("m", "1", "local", null, "CPU", 3, null));
        metrics.Record(new InferenceOutcome("m", "2", "cloud", "overloaded", "CPU", 12, null));
        metrics.Record(new InferenceOutcome("m", null, null, null, null, 0.5, "NotFound"));

        var window = metrics.TakeWindow().ShouldHaveSingleItem();
        window.Requests.ShouldBe(3);
        window.ServedLocal.ShouldBe(1);
        window.ServedCloud.ShouldBe(1);
        window.Errors.ShouldBe(1);
        window.FallbackReasons["overloaded"].ShouldBe(1);
        window.ErrorCodes["NotFound"].ShouldBe(1);
        window.Version.ShouldBe("2");
        window.ExecutionProvider.ShouldBe("CPU");

        metrics.TakeWindow().ShouldBeEmpty();
        metrics.Totals().ShouldHaveSingleItem().Requests.ShouldBe(3);
    }

    [Fact]
    public void Histogram_PutsEachLatencyInItsBucket_WithAnOverflowBucket()
    {
        var metrics = new InferenceMetrics();
        foreach (var ms in new[] { 0.2, 1.0, 1.5, 7, 7000 })
        {
            metrics.Record(new InferenceOutcome("m", "1", "local", null, "CPU", ms, null));
        }

        var latency = metrics.TakeWindow()[0].Latency;
        latency.Counts.Count.ShouldBe(InferenceMetrics.BoundsMs.Count + 1);
        latency.Counts[0].ShouldBe(2); // <= 1 ms
        latency.Counts[1].ShouldBe(1); // <= 2 ms
        latency.Counts[3].ShouldBe(1); // <= 10 ms
        latency.Counts[^1].ShouldBe(1); // > 5000 ms
        latency.Count.ShouldBe(5);
        latency.SumMs.ShouldBe(7009.7, 1e-9);
    }
}
