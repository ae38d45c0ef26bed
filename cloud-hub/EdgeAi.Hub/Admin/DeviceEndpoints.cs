using System.Globalization;
using System.Text.Json;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Dashboard;
using EdgeAi.Hub.Http;
using EdgeAi.Hub.Store;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Admin;

/// <summary>Admin REST over the fleet store: devices, their presence and synced telemetry.</summary>
internal static class DeviceEndpoints
{
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 10_000;

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    public static IEndpointRouteBuilder MapDeviceApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/devices", ListAsync);
        api.MapGet("/devices/{id}", GetAsync);
        api.MapGet("/devices/{id}/telemetry", TelemetryAsync);
        return api;
    }

    private static async Task<Ok<DeviceSummary[]>> ListAsync(
        IDbContextFactory<HubDbContext> store, TimeProvider time, IOptions<DashboardOptions> dashboard, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var devices = await db.Devices.AsNoTracking().OrderBy(d => d.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
            return TypedResults.Ok(devices.Select(d => new DeviceSummary(
                d.Id, DevicePresence.StateOf(d, now, dashboard.Value.StaleAfter), d.Online, Time(d.FirstSeenAtMs), Time(d.LastSeenAtMs), d.AgentVersion, d.LastOfflineReason)
            {
                Tags = d.Tags is null ? null : StringMapJson.Read(d.Tags),
                EnrolledAt = Time(d.EnrolledAtMs),
                RevokedAt = Time(d.RevokedAtMs),
            }).ToArray());
        }
    }

    private static async Task<Results<Ok<DeviceDetail>, ProblemHttpResult>> GetAsync(
        string id, IDbContextFactory<HubDbContext> store, TimeProvider time, IOptions<DashboardOptions> dashboard, CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var device = await db.Devices.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken).ConfigureAwait(false);
            if (device is null)
            {
                return HubProblems.Of(Refusal.UnknownDevice(id));
            }
            var streams = await db.Records.Where(r => r.DeviceId == id)
                .GroupBy(r => r.Stream)
                .Select(g => new StreamSummary(g.Key, g.LongCount(), g.Max(r => r.Seq)))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            // The latest telemetry record by creation time (sequence numbers restart with a new outbox epoch).
            var latest = await db.Records.Where(r => r.DeviceId == id && r.Stream == SyncTopics.Telemetry)
                .OrderByDescending(r => r.CreatedAtMs).ThenByDescending(r => r.Id).Select(r => r.Body).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            var health = StoredBody.TryParse(latest, Telemetry.Parser)?.Health;
            return TypedResults.Ok(new DeviceDetail(device.Id, DevicePresence.StateOf(device, time.GetUtcNow(), dashboard.Value.StaleAfter), device.Online,
                Time(device.FirstSeenAtMs), Time(device.LastSeenAtMs), device.AgentVersion, Time(device.StatusAtMs), Time(device.StartedAtMs), device.LastOfflineReason,
                [.. streams.OrderBy(s => s.Stream, StringComparer.Ordinal)], health is null ? null : ToJson(health)));
        }
    }

    private static async Task<Results<Ok<TelemetryPage>, ProblemHttpResult>> TelemetryAsync(
        string id, [FromQuery(Name = "from")] string? since, [FromQuery(Name = "to")] string? until, [FromQuery] string? limit,
        IDbContextFactory<HubDbContext> store, CancellationToken cancellationToken)
    {
        if (!TryTime(since, long.MinValue, out var from))
        {
            return BadTime("from");
        }
        if (!TryTime(until, long.MaxValue, out var to))
        {
            return BadTime("to");
        }
        var take = DefaultLimit;
        if (limit is { Length: > 0 } && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take < 1 || take > MaxLimit))
        {
            return HubProblems.BadRequest("Bad limit", $"'limit' must be an integer from 1 to {MaxLimit} (default {DefaultLimit})");
        }
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            if (!await db.Devices.AnyAsync(d => d.Id == id, cancellationToken).ConfigureAwait(false))
            {
                return HubProblems.Of(Refusal.UnknownDevice(id));
            }
            var rows = await db.Records.AsNoTracking()
                .Where(r => r.DeviceId == id && r.Stream == SyncTopics.Telemetry && r.CreatedAtMs >= from && r.CreatedAtMs < to)
                .OrderBy(r => r.CreatedAtMs).ThenBy(r => r.Seq).Take(take)
                .Select(r => new { r.Seq, r.CreatedAtMs, r.Body })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var items = rows.Select(r => (r, Telemetry: StoredBody.TryParse(r.Body, Telemetry.Parser)))
                .Where(p => p.Telemetry is not null)
                .Select(p => new TelemetryPoint(p.r.Seq, Time(p.r.CreatedAtMs), ToJson(p.Telemetry!))).ToList();
            return TypedResults.Ok(new TelemetryPage(id, items.Count, items));
        }
    }

    /// <summary>ISO-8601 (with offset; none means UTC) or unix milliseconds; absent means open-ended.</summary>
    internal static bool TryTime(string? text, long open, out long unixMs)
    {
        unixMs = open;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out unixMs))
        {
            return true;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var time))
        {
            unixMs = time.ToUnixTimeMilliseconds();
            return true;
        }
        return false;
    }

    private static ProblemHttpResult BadTime(string parameter) =>
        HubProblems.BadRequest($"Bad {parameter}", $"'{parameter}' must be an ISO-8601 time (e.g. 2025-01-31T12:00:00Z) or unix milliseconds");

    private static JsonElement ToJson(IMessage message)
    {
        using var document = JsonDocument.Parse(Formatter.Format(message));
        return document.RootElement.Clone();
    }

    private static DateTimeOffset Time(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);

    private static DateTimeOffset? Time(long? unixMs) => unixMs is { } ms ? Time(ms) : null;
}
