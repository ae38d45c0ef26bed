using System.Globalization;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Http;
using EdgeAi.Hub.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Dashboard;

/// <summary>
/// GET /api/fleet/charts?from=&amp;to=&amp;step=&amp;by=model|device|fleet&amp;device=&amp;model=: requests, fallback
/// rate and latency p50/p99 in time buckets, from the telemetry the hub stores (admin API, as the rest of the dashboard's).
/// </summary>
internal static class ChartEndpoints
{
    public const int MaxBuckets = 500;

    /// <summary>Telemetry records read for one answer; a longer range is answered from the oldest this many, marked truncated.</summary>
    public const int MaxRecords = 200_000;

    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    /// <summary>Buckets in a range when no step is given.</summary>
    private const int DefaultBuckets = 60;

    public static IEndpointRouteBuilder MapChartApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/fleet/charts", ChartsAsync);
        return api;
    }

    private static async Task<Results<Ok<ChartsView>, ProblemHttpResult>> ChartsAsync(
        [FromQuery(Name = "from")] string? since, [FromQuery(Name = "to")] string? until, [FromQuery] string? step, [FromQuery] string? by,
        [FromQuery] string? device, [FromQuery] string? model,
        IDbContextFactory<HubDbContext> store, IOptions<DashboardOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var query = Parse(since, until, step, by, time.GetUtcNow(), options.Value.FallbackWindow);
        if (query.Error is { } refused)
        {
            return HubProblems.Of(refused);
        }
        var (from, to, width, grouping) = query.Value!;
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var deviceId = device is { Length: > 0 } ? device : null;
            if (deviceId is not null && !await db.Devices.AnyAsync(d => d.Id == deviceId, cancellationToken).ConfigureAwait(false))
            {
                return HubProblems.Of(Refusal.UnknownDevice(deviceId));
            }
            var fromMs = from.ToUnixTimeMilliseconds();
            var toMs = to.ToUnixTimeMilliseconds();
            var rows = db.Records.AsNoTracking().Where(r => r.Stream == SyncTopics.Telemetry && r.CreatedAtMs >= fromMs && r.CreatedAtMs < toMs);
            if (deviceId is not null)
            {
                rows = rows.Where(r => r.DeviceId == deviceId);
            }
            var records = await rows.OrderBy(r => r.CreatedAtMs).Take(MaxRecords + 1)
                .Select(r => new StoredTelemetry(r.DeviceId, r.CreatedAtMs, r.Body))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var truncated = records.Count > MaxRecords;
            return TypedResults.Ok(FleetCharts.Build(truncated ? records.Take(MaxRecords) : records, from, to, width, grouping,
                model is { Length: > 0 } ? model : null, truncated));
        }
    }

    internal sealed record ChartQuery(DateTimeOffset From, DateTimeOffset To, TimeSpan Step, string By);

    /// <summary>The query checked: the range (default: the last Hub:Dashboard:FallbackWindow), a step that gives 1 to 500 buckets, the grouping.</summary>
    internal static Outcome<ChartQuery> Parse(string? since, string? until, string? step, string? by, DateTimeOffset now, TimeSpan defaultRange)
    {
        if (!DeviceEndpoints.TryTime(until, now.ToUnixTimeMilliseconds(), out var toMs))
        {
            return BadTime("to");
        }
        var to = DateTimeOffset.FromUnixTimeMilliseconds(toMs);
        if (!DeviceEndpoints.TryTime(since, (to - defaultRange).ToUnixTimeMilliseconds(), out var fromMs))
        {
            return BadTime("from");
        }
        var from = DateTimeOffset.FromUnixTimeMilliseconds(fromMs);
        if (from >= to)
        {
            return Refusal.Invalid("Bad range", $"'from' ({from:O}) must be before 'to' ({to:O})");
        }
        if (to - from > MaxRange)
        {
            return Refusal.Invalid("Bad range", $"the range from {from:O} to {to:O} is longer than {MaxRange.TotalDays:0} days; ask for a shorter one");
        }
        TimeSpan width;
        if (step is { Length: > 0 })
        {
            if (!DurationSyntax.TryParse(step, out width, out var error))
            {
                return Refusal.Invalid("Bad step", $"'step' {error}");
            }
            if (width < TimeSpan.FromSeconds(1))
            {
                return Refusal.Invalid("Bad step", $"'step' {step} is under a second; the shortest is 1s");
            }
            if ((to - from) / width > MaxBuckets)
            {
                return Refusal.Invalid("Bad step", string.Create(CultureInfo.InvariantCulture,
                    $"'step' {step} cuts the range into more than {MaxBuckets} buckets; use at least {Math.Ceiling((to - from).TotalSeconds / MaxBuckets)}s"));
            }
        }
        else
        {
            // Rounded, not ceiled: a range a few milliseconds over an hour still gets 1-minute buckets.
            width = TimeSpan.FromSeconds(Math.Max(1, Math.Round((to - from).TotalSeconds / DefaultBuckets)));
        }
        var grouping = by is { Length: > 0 } ? by : ChartGrouping.Model;
        if (!ChartGrouping.All.Contains(grouping, StringComparer.Ordinal))
        {
            return Refusal.Invalid("Bad by", $"'by' is '{by}'; expected one of {string.Join(", ", ChartGrouping.All)} (default {ChartGrouping.Model})");
        }
        return new ChartQuery(from, to, width, grouping);
    }

    private static Refusal BadTime(string parameter) =>
        Refusal.Invalid($"Bad {parameter}", $"'{parameter}' must be an ISO-8601 time (e.g. 2025-01-31T12:00:00Z) or unix milliseconds");
}
