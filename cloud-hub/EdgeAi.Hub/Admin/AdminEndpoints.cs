using System.Globalization;
using System.Text.Json;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Store;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Admin;

/// <summary>Admin REST API over the fleet store: devices, their presence and synced telemetry.</summary>
internal static class AdminEndpoints
{
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 10_000;

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/devices", ListDevicesAsync);
        app.MapGet("/api/devices/{id}", GetDeviceAsync);
        app.MapGet("/api/devices/{id}/telemetry", GetTelemetryAsync);
        return app;
    }

    private static async Task ListDevicesAsync(HttpContext context)
    {
        var (now, staleAfter) = PresenceClock(context);
        var db = await OpenAsync(context).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var devices = await db.Devices.AsNoTracking().OrderBy(d => d.Id).ToListAsync(context.RequestAborted).ConfigureAwait(false);
            var summaries = devices.Select(d => new DeviceSummary(
                d.Id, DevicePresence.StateOf(d, now, staleAfter), d.Online, Time(d.FirstSeenAtMs), Time(d.LastSeenAtMs), d.AgentVersion, d.LastOfflineReason)
            {
                Tags = d.Tags is null ? null : Enrollment.EnrollmentJson.TagsFromJson(d.Tags),
                EnrolledAt = Time(d.EnrolledAtMs),
                RevokedAt = Time(d.RevokedAtMs),
            }).ToArray();
            await AdminResults.Json(context, summaries, AdminJson.Default.DeviceSummaryArray).ConfigureAwait(false);
        }
    }

    private static async Task GetDeviceAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        var (now, staleAfter) = PresenceClock(context);
        var db = await OpenAsync(context).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var device = await db.Devices.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, context.RequestAborted).ConfigureAwait(false);
            if (device is null)
            {
                await NotFound(context, id).ConfigureAwait(false);
                return;
            }
            var streams = await db.Records.Where(r => r.DeviceId == id)
                .GroupBy(r => r.Stream)
                .Select(g => new StreamSummary(g.Key, g.LongCount(), g.Max(r => r.Seq)))
                .ToListAsync(context.RequestAborted).ConfigureAwait(false);
            // The latest telemetry record by creation time (sequence numbers restart with a new outbox epoch).
            var latest = await db.Records.Where(r => r.DeviceId == id && r.Stream == SyncTopics.Telemetry)
                .OrderByDescending(r => r.CreatedAtMs).ThenByDescending(r => r.Id).Select(r => r.Body).FirstOrDefaultAsync(context.RequestAborted).ConfigureAwait(false);
            var health = StoredBody.TryParse(latest, Telemetry.Parser)?.Health;
            var detail = new DeviceDetail(device.Id, DevicePresence.StateOf(device, now, staleAfter), device.Online, Time(device.FirstSeenAtMs), Time(device.LastSeenAtMs), device.AgentVersion,
                Time(device.StatusAtMs), Time(device.StartedAtMs), device.LastOfflineReason, [.. streams.OrderBy(s => s.Stream, StringComparer.Ordinal)],
                health is null ? null : ToJson(health));
            await AdminResults.Json(context, detail, AdminJson.Default.DeviceDetail).ConfigureAwait(false);
        }
    }

    private static async Task GetTelemetryAsync(HttpContext context)
    {
        var id = (string)context.Request.RouteValues["id"]!;
        var query = context.Request.Query;
        if (!TryTime(query["from"], long.MinValue, out var from))
        {
            await BadTime(context, "from").ConfigureAwait(false);
            return;
        }
        if (!TryTime(query["to"], long.MaxValue, out var to))
        {
            await BadTime(context, "to").ConfigureAwait(false);
            return;
        }
        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } text && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxLimit))
        {
            await AdminResults.Problem(context, StatusCodes.Status400BadRequest, "Bad limit", $"'limit' must be an integer from 1 to {MaxLimit} (default {DefaultLimit})").ConfigureAwait(false);
            return;
        }
        var db = await OpenAsync(context).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            if (!await db.Devices.AnyAsync(d => d.Id == id, context.RequestAborted).ConfigureAwait(false))
            {
                await NotFound(context, id).ConfigureAwait(false);
                return;
            }
            var rows = await db.Records.AsNoTracking()
                .Where(r => r.DeviceId == id && r.Stream == SyncTopics.Telemetry && r.CreatedAtMs >= from && r.CreatedAtMs < to)
                .OrderBy(r => r.CreatedAtMs).ThenBy(r => r.Seq).Take(limit)
                .Select(r => new { r.Seq, r.CreatedAtMs, r.Body })
                .ToListAsync(context.RequestAborted).ConfigureAwait(false);
            var items = rows.Select(r => (r, Telemetry: StoredBody.TryParse(r.Body, Telemetry.Parser)))
                .Where(p => p.Telemetry is not null)
                .Select(p => new TelemetryPoint(p.r.Seq, Time(p.r.CreatedAtMs), ToJson(p.Telemetry!))).ToList();
            await AdminResults.Json(context, new TelemetryPage(id, items.Count, items), AdminJson.Default.TelemetryPage).ConfigureAwait(false);
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

    private static Task BadTime(HttpContext context, string parameter) =>
        AdminResults.Problem(context, StatusCodes.Status400BadRequest, $"Bad {parameter}",
            $"'{parameter}' must be an ISO-8601 time (e.g. 2025-01-31T12:00:00Z) or unix milliseconds");

    private static Task NotFound(HttpContext context, string id) =>
        AdminResults.Problem(context, StatusCodes.Status404NotFound, "Unknown device", $"no device '{id}' has been seen by this hub");

    /// <summary>Now, and how long an online device may stay silent before it is stale (the dashboard's own setting).</summary>
    private static (DateTimeOffset Now, TimeSpan StaleAfter) PresenceClock(HttpContext context) =>
        (context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(),
            context.RequestServices.GetRequiredService<IOptions<Dashboard.DashboardOptions>>().Value.StaleAfter);

    private static Task<HubDbContext> OpenAsync(HttpContext context) =>
        context.RequestServices.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(context.RequestAborted);

    private static JsonElement ToJson(IMessage message)
    {
        using var document = JsonDocument.Parse(Formatter.Format(message));
        return document.RootElement.Clone();
    }

    private static DateTimeOffset Time(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs);

    private static DateTimeOffset? Time(long? unixMs) => unixMs is { } ms ? Time(ms) : null;
}
