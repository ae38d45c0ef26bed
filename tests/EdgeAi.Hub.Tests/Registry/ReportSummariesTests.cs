using System.Text.Json;
using EdgeAi.Hub.Registry;

namespace EdgeAi.Hub.Tests.Registry;

public sealed class ReportSummariesTests
{
    [Fact]
    public void Of_QuantizerReport_WorstOutputAndSpeedRatio()
    {
        using var report = JsonDocument.Parse("""
            {"method":"MinMax","outputs":[{"name":"a","cosine":0.9991,"top1Agreement":0.98},{"name":"b","cosine":0.9950,"top1Agreement":null}],
             "speed":{"fp32P50Ms":20.0,"int8P50Ms":8.0,"runs":50,"ratio":0.4},"budgetMet":true}
            """);

        var summary = ReportSummaries.Of(report.RootElement);

        summary.Cosine.ShouldBe(0.9950);
        summary.Top1Agreement.ShouldBe(0.98);
        summary.SpeedRatio.ShouldBe(0.4);
        summary.BudgetMet.ShouldBe(true);
        ReportSummaries.Describe(summary).ShouldBe("cosine 0.9950, top-1 98.0%, int8/fp32 latency 0.40, budget met");
    }

    [Fact]
    public void Of_ReportWithoutFigures_NullsNotAnError()
    {
        using var report = JsonDocument.Parse("""{"speed":{"fp32P50Ms":10,"int8P50Ms":5}}""");

        var summary = ReportSummaries.Of(report.RootElement);

        summary.Cosine.ShouldBeNull();
        summary.SpeedRatio.ShouldBe(0.5);
        ReportSummaries.Describe(null).ShouldBe("no accuracy report");
    }
}
