using EdgeAi.Common.Sync;
using EdgeAi.Hub.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Dashboard;

/// <summary>
/// The web dashboard: one static page (no data in it, so open to anyone; it asks for the admin key
/// and reads the admin API from the browser), and the fleet view it reads devices from.
/// </summary>
internal static class DashboardEndpoints
{
    public const string Path = "/dashboard";

    /// <summary>Recent events read for the fleet view (the whole fleet's, newest first), for each device's last rule fires.</summary>
    private const int MaxEvents = 5000;

    private static readonly Lazy<byte[]> Page = new(() =>
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("EdgeAi.Hub.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("dashboard.html is not embedded in the hub");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    /// <summary>The page and the hub's root, which redirects to it: no key needed.</summary>
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => TypedResults.Redirect(Path)).AllowAnonymous();
        app.MapGet(Path, (HttpResponse response) =>
        {
            // The page holds no data; still, never let a proxy keep an old copy after an upgrade.
            response.Headers.CacheControl = "no-store";
            response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'";
            return TypedResults.Bytes(Page.Value, "text/html; charset=utf-8");
        }).AllowAnonymous();
        return app;
    }

    /// <summary>GET /api/fleet/devices: the devices as the dashboard shows them; a device's page and the charts beside it (admin API).</summary>
    public static IEndpointRouteBuilder MapFleetViewApi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/fleet/devices", ListDevicesAsync);
        api.MapDevicePageApi();
        api.MapChartApi();
        return api;
    }

    private static async Task<Ok<DeviceView[]>> ListDevicesAsync(
        IDbContextFactory<HubDbContext> store, IOptions<DashboardOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var since = (now - options.Value.FallbackWindow).ToUnixTimeMilliseconds();
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var devices = await db.Devices.AsNoTracking().OrderBy(d => d.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
            var telemetry = await db.Records.AsNoTracking()
                .Where(r => r.Stream == SyncTopics.Telemetry && r.CreatedAtMs >= since)
                .OrderBy(r => r.CreatedAtMs)
                .Select(r => new { r.DeviceId, r.Body })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var byDevice = telemetry.ToLookup(r => r.DeviceId, r => r.Body, StringComparer.Ordinal);
            // Events in the same window, newest first and capped: the view shows each device's last few rule fires.
            var events = await db.Records.AsNoTracking()
                .Where(r => r.Stream == SyncTopics.Events && r.CreatedAtMs >= since)
                .OrderByDescending(r => r.Id)
                .Take(MaxEvents)
                .Select(r => new { r.DeviceId, r.CreatedAtMs, r.Body })
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            var eventsByDevice = events.ToLookup(r => r.DeviceId, r => new StoredEvent(r.CreatedAtMs, r.Body), StringComparer.Ordinal);
            // The reported state comes from the device row, which the rollout controller's projection keeps current.
            return TypedResults.Ok(devices.Select(d => FleetView.Describe(d, byDevice[d.Id], eventsByDevice[d.Id], now, options.Value.StaleAfter)).ToArray());
        }
    }
}
