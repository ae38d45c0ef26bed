using System.Text.Json;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Http;
using EdgeAi.Hub.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Dashboard;

/// <summary>A device event as the device page shows it.</summary>
internal sealed record EventView(DateTimeOffset At, string Kind, string Severity, string Message, IReadOnlyDictionary<string, string> Attributes);

/// <summary>One line of a device's check report (<c>edge-agent check</c>'s id, status, message and fix).</summary>
internal sealed record CheckLineView(string Id, string Status, string Message, string? Fix);

/// <summary>The latest <c>check</c> event of a device: when, the worst status, its lines and the checks the running agent leaves out.</summary>
internal sealed record CheckView(DateTimeOffset At, string Status, IReadOnlyList<CheckLineView> Checks, IReadOnlyList<string> Skipped);

/// <summary>GET /api/fleet/devices/{id}: the device as the fleet view shows it, its recent events and its latest check report.</summary>
internal sealed record DevicePageView(DeviceView Device, IReadOnlyList<EventView> Events, CheckView? Check);

internal static class DevicePage
{
    /// <summary>Events shown on the page, newest first.</summary>
    public const int Events = 50;

    /// <summary>Events searched back for the latest check report (a chatty rule may bury it; one every 6 h by default).</summary>
    public const int CheckSearch = 5000;

    public const string CheckKind = "check";

    public static IEndpointRouteBuilder MapDevicePageApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/fleet/devices/{id}", GetAsync);
        return api;
    }

    private static async Task<Results<Ok<DevicePageView>, ProblemHttpResult>> GetAsync(
        string id, IDbContextFactory<HubDbContext> store, IOptions<DashboardOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var since = (now - options.Value.FallbackWindow).ToUnixTimeMilliseconds();
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var device = await db.Devices.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken).ConfigureAwait(false);
            if (device is null)
            {
                return HubProblems.Of(Refusal.UnknownDevice(id));
            }
            var telemetry = await db.Records.AsNoTracking()
                .Where(r => r.DeviceId == id && r.Stream == SyncTopics.Telemetry && r.CreatedAtMs >= since)
                .OrderBy(r => r.CreatedAtMs).Select(r => r.Body)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var events = await db.Records.AsNoTracking()
                .Where(r => r.DeviceId == id && r.Stream == SyncTopics.Events)
                .OrderByDescending(r => r.CreatedAtMs).ThenByDescending(r => r.Id).Take(CheckSearch)
                .Select(r => new StoredEvent(r.CreatedAtMs, r.Body))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var parsed = events.Select(e => (e.CreatedAtMs, Event: StoredBody.TryParse(e.Body, DeviceEvent.Parser))).Where(e => e.Event is not null).ToList();
            var view = FleetView.Describe(device, telemetry, events.Take(FleetView.RuleFires * 20), now, options.Value.StaleAfter);
            var check = parsed.FirstOrDefault(e => e.Event!.Kind == CheckKind);
            return TypedResults.Ok(new DevicePageView(
                view,
                [.. parsed.Take(Events).Select(e => new EventView(DateTimeOffset.FromUnixTimeMilliseconds(e.CreatedAtMs), e.Event!.Kind, e.Event.Severity, e.Event.Message,
                    e.Event.Attributes.Where(a => !(e.Event.Kind == CheckKind && a.Key == "report")).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal)))],
                check.Event is null ? null : CheckOf(check.CreatedAtMs, check.Event)));
        }
    }

    /// <summary>
    /// A check event's report: attribute <c>report</c> holds <c>edge-agent check --json</c>'s document, <c>skipped</c>
    /// the checks left out (comma-separated). A report that does not parse is shown as one FAIL line saying so.
    /// </summary>
    internal static CheckView CheckOf(long createdAtMs, DeviceEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(createdAtMs);
        var skipped = e.Attributes.GetValueOrDefault("skipped") is { Length: > 0 } s ? s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : [];
        try
        {
            using var report = JsonDocument.Parse(e.Attributes.GetValueOrDefault("report") ?? "");
            var root = report.RootElement;
            var lines = root.GetProperty("checks").EnumerateArray().Select(c => new CheckLineView(
                c.GetProperty("id").GetString() ?? "",
                c.GetProperty("status").GetString() ?? "",
                c.GetProperty("message").GetString() ?? "",
                c.TryGetProperty("fix", out var fix) && fix.ValueKind == JsonValueKind.String ? fix.GetString() : null)).ToList();
            return new CheckView(at, root.GetProperty("status").GetString() ?? "", lines, skipped);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new CheckView(at, "fail", [new CheckLineView("report", "fail", $"the device sent a check report that does not read as one: {ex.Message}", "update the agent")], skipped);
        }
    }
}
