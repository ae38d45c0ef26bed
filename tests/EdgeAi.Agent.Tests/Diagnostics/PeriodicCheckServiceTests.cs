using EdgeAi.Agent.Diagnostics;
using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Sync;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Agent.Tests.Diagnostics;

/// <summary>The running agent's own checks, on a built (not started) agent with no hub: the report goes to the events stream.</summary>
public sealed class PeriodicCheckServiceTests : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-live-check-").FullName;
    private readonly WebApplication _app;

    public PeriodicCheckServiceTests() => _app = AgentHost.Build(new Dictionary<string, string?>
    {
        ["Agent:DataDirectory"] = _dir,
        ["Gpio:Driver"] = "simulated",
    });

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunOnce_NoHub_ReportsACheckEventWithTheJsonReportAndTheSkippedProbes()
    {
        var results = await _app.Services.GetRequiredService<PeriodicCheckService>().RunOnceAsync(Token);

        results.Select(r => r.Id).ShouldBe(["configuration", "data-directory", "enrollment", "outbox", "outbox-encryption", "gpio", "hub"]);
        var e = _app.Services.GetRequiredService<DurableOutbox>().Peek(SyncTopics.Events, 100)
            .Select(r => DeviceEvent.Parser.ParseFrom(r.Payload)).ShouldHaveSingleItem();
        e.Kind.ShouldBe("check");
        // No enrollment and no Cloud:HubUrl: warnings, not failures.
        e.Severity.ShouldBe("warning");
        e.Attributes["status"].ShouldBe("warn");
        e.Attributes["skipped"].ShouldBe("models, broker");
        using var report = System.Text.Json.JsonDocument.Parse(e.Attributes["report"]);
        report.RootElement.GetProperty("checks").GetArrayLength().ShouldBe(results.Count);
        e.Message.ShouldStartWith("checks: ");
    }

    [Theory]
    [InlineData("00:00:30")]
    [InlineData("8.00:00:00")]
    public async Task Options_IntervalOutOfRange_RefusedNamingTheKey(string interval)
    {
        await using var app = AgentHost.Build(new Dictionary<string, string?> { ["Agent:DataDirectory"] = _dir, ["Agent:Check:Interval"] = interval });
        var failures = EdgeAi.Serving.Diagnostics.ConfigurationCheck.Failures(app.Services);
        failures.ShouldContain(f => f.Contains("Agent:Check:Interval", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
