using System.Diagnostics.Metrics;
using EdgeAi.Common.Metrics;

namespace EdgeAi.Common.Tests.Metrics;

public sealed class PrometheusExporterTests : IDisposable
{
    private readonly object _scope = new();
    private readonly Meter _meter;
    private readonly PrometheusExporter _exporter;

    public PrometheusExporterTests()
    {
        _meter = new Meter(new MeterOptions("EdgeAi.Test") { Scope = _scope });
        _exporter = PrometheusExporter.ForScope(_scope);
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _meter.Dispose();
    }

    [Fact]
    public void Collect_Counter_TotalSuffixHelpTypeAndSortedSeries()
    {
        var counter = _meter.CreateCounter<long>("edgeai_requests", description: "Requests served.");
        counter.Add(2, new KeyValuePair<string, object?>("model", "b"));
        counter.Add(1, new KeyValuePair<string, object?>("model", "a"));
        counter.Add(3, new KeyValuePair<string, object?>("model", "b"));

        _exporter.Collect().ShouldBe(
            "# HELP edgeai_requests_total Requests served.\n" +
            "# TYPE edgeai_requests_total counter\n" +
            "edgeai_requests_total{model=\"a\"} 1\n" +
            "edgeai_requests_total{model=\"b\"} 5\n");
    }

    [Fact]
    public void Collect_ObservableGaugeAndUpDownCounter_GaugesWithTheLatestValue()
    {
        var depth = 4;
        _meter.CreateObservableGauge("edgeai_depth", () => new Measurement<int>(depth, new KeyValuePair<string, object?>("stream", "telemetry")), description: "Depth.");
        var active = _meter.CreateUpDownCounter<long>("edgeai_active", description: "Active.");
        active.Add(3);
        active.Add(-1);

        _exporter.Collect();
        depth = 7;

        _exporter.Collect().ShouldBe(
            "# HELP edgeai_active Active.\n" +
            "# TYPE edgeai_active gauge\n" +
            "edgeai_active 2\n" +
            "# HELP edgeai_depth Depth.\n" +
            "# TYPE edgeai_depth gauge\n" +
            "edgeai_depth{stream=\"telemetry\"} 7\n");
    }

    [Fact]
    public void Collect_ObservableCounter_ReportsTheCallbacksCumulativeValue()
    {
        long sent = 10;
        _meter.CreateObservableCounter("edgeai_sent", () => sent, unit: "By", description: "Bytes sent.");

        _exporter.Collect();
        sent = 12;

        _exporter.Collect().ShouldBe("# HELP edgeai_sent_bytes_total Bytes sent.\n# TYPE edgeai_sent_bytes_total counter\nedgeai_sent_bytes_total 12\n");
    }

    [Fact]
    public void Collect_Histogram_CumulativeBucketsSumAndCountWithAdvisedBounds()
    {
        var histogram = _meter.CreateHistogram("edgeai_latency", unit: "s", description: "Latency.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.1] });
        var tag = new KeyValuePair<string, object?>("model", "m");
        histogram.Record(0.005, tag);
        histogram.Record(0.01, tag);
        histogram.Record(0.05, tag);
        histogram.Record(2, tag);

        _exporter.Collect().ShouldBe(
            "# HELP edgeai_latency_seconds Latency.\n" +
            "# TYPE edgeai_latency_seconds histogram\n" +
            "edgeai_latency_seconds_bucket{model=\"m\",le=\"0.01\"} 2\n" +
            "edgeai_latency_seconds_bucket{model=\"m\",le=\"0.1\"} 3\n" +
            "edgeai_latency_seconds_bucket{model=\"m\",le=\"+Inf\"} 4\n" +
            "edgeai_latency_seconds_sum{model=\"m\"} 2.065\n" +
            "edgeai_latency_seconds_count{model=\"m\"} 4\n");
    }

    [Fact]
    public void Collect_HistogramWithoutAdvice_UsesTheLatencyBuckets()
    {
        _meter.CreateHistogram<double>("edgeai_wait", unit: "s", description: "Wait.").Record(0.003);

        var text = _exporter.Collect();

        text.ShouldContain("edgeai_wait_seconds_bucket{le=\"0.0025\"} 0\n");
        text.ShouldContain("edgeai_wait_seconds_bucket{le=\"0.005\"} 1\n");
        text.ShouldContain("edgeai_wait_seconds_bucket{le=\"10\"} 1\n");
        text.ShouldContain("edgeai_wait_seconds_bucket{le=\"+Inf\"} 1\n");
    }

    [Fact]
    public void Collect_LabelValues_BackslashQuoteAndNewlineEscaped()
    {
        _meter.CreateCounter<long>("edgeai_odd", description: "Odd \\ help\nline.").Add(1, new KeyValuePair<string, object?>("rule", "a\\b\"c\nd"));

        _exporter.Collect().ShouldBe(
            "# HELP edgeai_odd_total Odd \\\\ help\\nline.\n" +
            "# TYPE edgeai_odd_total counter\n" +
            "edgeai_odd_total{rule=\"a\\\\b\\\"c\\nd\"} 1\n");
    }

    [Fact]
    public void Collect_NoMeasurementYet_FamilyStillHasHelpAndType()
    {
        _meter.CreateCounter<long>("edgeai_failures", description: "Failures.");

        _exporter.Collect().ShouldBe("# HELP edgeai_failures_total Failures.\n# TYPE edgeai_failures_total counter\n");
    }

    [Fact]
    public void Collect_OtherScopeOrPrefix_NotExported()
    {
        using var other = new Meter(new MeterOptions("EdgeAi.Test") { Scope = new object() });
        using var foreign = new Meter(new MeterOptions("Polly") { Scope = _scope });
        other.CreateCounter<long>("edgeai_other").Add(1);
        foreign.CreateCounter<long>("polly_thing").Add(1);

        _exporter.Collect().ShouldBeEmpty();
    }

    [Fact]
    public void Collect_ObservableCallbackThrows_OtherFamiliesStillWritten()
    {
        _meter.CreateObservableGauge("edgeai_broken", Broken, description: "Broken.");
        _meter.CreateCounter<long>("edgeai_fine", description: "Fine.").Add(1);

        _exporter.Collect().ShouldEndWith("edgeai_fine_total 1\n");
    }

    [Theory]
    [InlineData("edgeai.queue.duration", "s", false, "edgeai_queue_duration_seconds")]
    [InlineData("edgeai_queue_duration_seconds", "s", false, "edgeai_queue_duration_seconds")]
    [InlineData("edgeai_sent_total", "By", true, "edgeai_sent_bytes_total")]
    [InlineData("edgeai_requests", "{request}", true, "edgeai_requests_total")]
    [InlineData("9lives", null, false, "_lives")]
    public void FamilyName_UnitsAndCounters_FollowTheConvention(string instrument, string? unit, bool counter, string expected) =>
        PrometheusFormat.FamilyName(instrument, unit, counter).ShouldBe(expected);

    [Theory]
    [InlineData(0.25, "0.25")]
    [InlineData(1e-6, "1E-06")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NaN, "NaN")]
    public void Number_Values_InvariantAndSpecialForms(double value, string expected) => PrometheusFormat.Number(value).ShouldBe(expected);

    private static long Broken() => throw new InvalidOperationException("broken");
}
