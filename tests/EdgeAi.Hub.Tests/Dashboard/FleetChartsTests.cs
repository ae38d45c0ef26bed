using EdgeAi.Common.Sync;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Dashboard;
using Google.Protobuf;

namespace EdgeAi.Hub.Tests.Dashboard;

/// <summary>The dashboard's charts: telemetry windows into time buckets, histograms merged, p50/p99 read off them; the query's checks.</summary>
public sealed class FleetChartsTests
{
    private static readonly DateTimeOffset From = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly double[] Bounds = [1, 2, 5, 10, 20, 50, 100];

    [Fact]
    public void Quantile_CountsInOneBucket_InterpolatesInsideIt()
    {
        // 100 requests between 10 and 20 ms: the median is half-way, p99 near the top.
        var histogram = new List<KeyValuePair<double, long>> { new(10, 0), new(20, 100), new(double.PositiveInfinity, 0) };
        FleetCharts.Quantile(histogram, 0.5).ShouldBe(15.0);
        FleetCharts.Quantile(histogram, 0.99)!.Value.ShouldBe(19.9, 1e-9);
    }

    [Fact]
    public void Quantile_InOverflowBucket_IsTheHighestFiniteBound()
    {
        var histogram = new List<KeyValuePair<double, long>> { new(10, 1), new(double.PositiveInfinity, 99) };
        FleetCharts.Quantile(histogram, 0.99).ShouldBe(10.0);
    }

    [Fact]
    public void Quantile_Empty_IsNull() =>
        FleetCharts.Quantile([new(10, 0), new(double.PositiveInfinity, 0)], 0.5).ShouldBeNull();

    [Fact]
    public void Build_TwoDevicesOneBucket_MergesCountsAndHistograms()
    {
        // device a: 90 fast requests (1..2 ms), all local; device b: 10 slow ones (50..100 ms), 5 of them served by the hub.
        var records = new[]
        {
            Record("a", From.AddSeconds(10), Model("m", requests: 90, cloud: 0, bucket: 1, count: 90)),
            Record("b", From.AddSeconds(20), Model("m", requests: 10, cloud: 5, bucket: 6, count: 10)),
        };
        var view = FleetCharts.Build(records, From, From.AddMinutes(2), TimeSpan.FromMinutes(1), ChartGrouping.Model, model: null);

        var series = view.Series.ShouldHaveSingleItem();
        series.Key.ShouldBe("m");
        series.Requests.ShouldBe(100);
        series.Points.Count.ShouldBe(2);
        var first = series.Points[0];
        first.At.ShouldBe(From);
        first.Requests.ShouldBe(100);
        first.FallbackRate.ShouldBe(0.05);
        first.P50Ms!.Value.ShouldBeInRange(1, 2);
        first.P99Ms!.Value.ShouldBeInRange(50, 100);
        // The second minute has no telemetry: no requests, no rate, no quantiles (the chart breaks its line there).
        series.Points[1].ShouldBe(new ChartPoint(From.AddMinutes(1), 0, 0, 0, null, null, null));
    }

    [Fact]
    public void Build_ByDevice_OneSeriesPerDeviceMostRequestsFirst()
    {
        var records = new[]
        {
            Record("a", From.AddSeconds(1), Model("m", 3, 0, 2, 3), Model("n", 4, 0, 2, 4)),
            Record("b", From.AddSeconds(2), Model("m", 20, 0, 2, 20)),
        };
        var view = FleetCharts.Build(records, From, From.AddMinutes(1), TimeSpan.FromMinutes(1), ChartGrouping.Device, model: null);
        view.Series.Select(s => (s.Key, s.Requests)).ShouldBe([("b", 20L), ("a", 7L)]);

        var onlyN = FleetCharts.Build(records, From, From.AddMinutes(1), TimeSpan.FromMinutes(1), ChartGrouping.Fleet, model: "n");
        onlyN.Series.ShouldHaveSingleItem().ShouldSatisfyAllConditions(s => s.Key.ShouldBe("all"), s => s.Requests.ShouldBe(4));
    }

    [Fact]
    public void Build_RecordOutsideRangeOrUnparsable_LeftOut()
    {
        var records = new[]
        {
            Record("a", From.AddSeconds(-1), Model("m", 5, 0, 1, 5)),
            Record("a", From.AddMinutes(1), Model("m", 5, 0, 1, 5)),
            new StoredTelemetry("a", From.AddSeconds(5).ToUnixTimeMilliseconds(), [0xFF, 0xFF, 0xFF]),
        };
        FleetCharts.Build(records, From, From.AddMinutes(1), TimeSpan.FromMinutes(1), ChartGrouping.Model, null).Series.ShouldBeEmpty();
    }

    [Fact]
    public void Parse_Defaults_LastWindowInSixtyBucketsByModel()
    {
        var query = ChartEndpoints.Parse(null, null, null, null, From, TimeSpan.FromHours(1));
        query.Error.ShouldBeNull();
        query.Value.ShouldBe(new ChartEndpoints.ChartQuery(From.AddHours(-1), From, TimeSpan.FromMinutes(1), ChartGrouping.Model));
    }

    [Theory]
    [InlineData("yesterday", null, null, null, "Bad from")]
    [InlineData(null, "soon", null, null, "Bad to")]
    [InlineData("2026-01-01T13:00:00Z", null, null, null, "Bad range")]
    [InlineData("2025-11-01T00:00:00Z", null, null, null, "Bad range")]
    [InlineData(null, null, "5", null, "Bad step")]
    [InlineData(null, null, "500ms", null, "Bad step")]
    [InlineData(null, null, "1s", null, "Bad step")]
    [InlineData(null, null, null, "region", "Bad by")]
    public void Parse_BadQuery_RefusedNamingTheParameter(string? from, string? to, string? step, string? by, string title)
    {
        var query = ChartEndpoints.Parse(from, to, step, by, From, TimeSpan.FromHours(1));
        var refusal = query.Error.ShouldNotBeNull();
        refusal.Kind.ShouldBe(RefusalKind.Invalid);
        refusal.Title.ShouldBe(title);
    }

    [Fact]
    public void CheckOf_AgentReport_ReadsItsLines()
    {
        var e = new DeviceEvent { Kind = "check", Severity = "warning" };
        e.Attributes["report"] = EdgeAi.Common.Diagnostics.CheckReport.Json(
            [EdgeAi.Common.Diagnostics.CheckResult.Ok("outbox", "3 records pending"), EdgeAi.Common.Diagnostics.CheckResult.Warn("hub", "slow", "look")]);
        e.Attributes["skipped"] = "models, broker";
        var check = DevicePage.CheckOf(From.ToUnixTimeMilliseconds(), e);
        check.Status.ShouldBe("warn");
        check.Checks.ShouldBe([new CheckLineView("outbox", "ok", "3 records pending", null), new CheckLineView("hub", "warn", "slow", "look")]);
        check.Skipped.ShouldBe(["models", "broker"]);

        e.Attributes["report"] = "{not json";
        DevicePage.CheckOf(0, e).Checks.ShouldHaveSingleItem().Status.ShouldBe("fail");
    }

    private static StoredTelemetry Record(string device, DateTimeOffset at, params ModelTelemetry[] models)
    {
        var telemetry = new Telemetry { WindowEndUnixMs = at.ToUnixTimeMilliseconds() };
        telemetry.Models.Add(models);
        return new StoredTelemetry(device, at.ToUnixTimeMilliseconds(), telemetry.ToByteArray());
    }

    /// <summary>A model's window with all its requests' latencies in histogram bucket <paramref name="bucket"/> (Bounds[bucket-1]..Bounds[bucket]).</summary>
    private static ModelTelemetry Model(string name, long requests, long cloud, int bucket, long count)
    {
        var latency = new LatencyHistogram { Count = count };
        latency.BoundsMs.Add(Bounds);
        latency.Counts.Add(Enumerable.Range(0, Bounds.Length + 1).Select(i => i == bucket ? count : 0L));
        return new ModelTelemetry { Model = name, Requests = requests, ServedCloud = cloud, ServedLocal = requests - cloud, Latency = latency };
    }
}
