using EdgeAi.Agent.Cli;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Serving.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Diagnostics;

/// <summary>
/// Runs the running agent's checks (<see cref="CheckCommand.Checks"/>, live) through <c>check</c>'s own runner at start and every Agent:Check:Interval, and
/// appends the report to the events stream: kind <c>check</c>, severity from the worst line, attribute
/// <c>report</c> holding <c>edge-agent check --json</c>'s document and <c>skipped</c> the checks left out.
/// The hub's device page shows the latest.
/// </summary>
internal sealed class PeriodicCheckService(
    IServiceProvider services, IOptions<CheckOptions> options, EventReporter events, TimeProvider time, LoopSupervisor supervisor, ILogger<PeriodicCheckService> logger)
    : BackgroundService
{
    public const string Kind = "check";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.Enabled ? supervisor.RunAsync("check", RunAsync, stoppingToken) : Task.CompletedTask;

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        do
        {
            await RunOnceAsync(stoppingToken).ConfigureAwait(false);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>One round: the checks, the event, and a log line (with one more per WARN or FAIL).</summary>
    public async Task<IReadOnlyList<CheckResult>> RunOnceAsync(CancellationToken cancellationToken)
    {
        // The running agent's own list, shared with the support bundles it makes: the probes that would disturb it are left out.
        var results = await CheckReport.RunAsync(CheckCommand.Checks(services, live: true), cancellationToken).ConfigureAwait(false);
        var skipped = string.Join(", ", CheckCommand.LiveSkipped.Select(s => s.Id));
        var counts = results.GroupBy(r => r.Status).ToDictionary(g => g.Key, g => g.Count());
        var (ok, warn, fail) = (counts.GetValueOrDefault(CheckStatus.Ok), counts.GetValueOrDefault(CheckStatus.Warn), counts.GetValueOrDefault(CheckStatus.Fail));
        var worst = results.Count == 0 ? CheckStatus.Ok : results.Max(r => r.Status);
        events.Report(Kind, worst switch
        {
            CheckStatus.Ok => EventReporter.Info,
            CheckStatus.Warn => EventReporter.Warning,
            _ => EventReporter.Error,
        }, $"checks: {ok} OK, {warn} WARN, {fail} FAIL", new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["status"] = CheckReport.Label(worst).ToLowerInvariant(),
            ["report"] = CheckReport.Json(results),
            ["skipped"] = skipped,
        });
        DiagnosticsLog.ChecksRan(logger, ok, warn, fail, skipped);
        foreach (var result in results.Where(r => r.Status != CheckStatus.Ok))
        {
            DiagnosticsLog.CheckNotOk(logger, result.Id, CheckReport.Label(result.Status), result.Message);
        }
        return results;
    }
}
