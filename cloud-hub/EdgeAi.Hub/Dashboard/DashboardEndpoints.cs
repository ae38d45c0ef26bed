using EdgeAi.Common.Sync;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Dashboard;

/// <summary>
/// The web dashboard: one static page (no data in it; it asks for the admin key and reads the admin
/// API from the browser), and the fleet view it reads devices from.
/// </summary>
internal static class DashboardEndpoints
{
    public const string Path = "/dashboard";

    private static readonly Lazy<byte[]> Page = new(() =>
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("EdgeAi.Hub.Dashboard.dashboard.html")
            ?? throw new InvalidOperationException("dashboard.html is not embedded in the hub");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", context =>
        {
            context.Response.Redirect(Path);
            return Task.CompletedTask;
        });
        app.MapGet(Path, context =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            // The page holds no data; still, never let a proxy keep an old copy after an upgrade.
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'";
            return context.Response.Body.WriteAsync(Page.Value, context.RequestAborted).AsTask();
        });
        app.MapGet("/api/fleet/devices", ListDevicesAsync);
        return app;
    }

    private static async Task ListDevicesAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var options = services.GetRequiredService<IOptions<DashboardOptions>>().Value;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var since = (now - options.FallbackWindow).ToUnixTimeMilliseconds();
        var db = await services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(context.RequestAborted).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var devices = await db.Devices.AsNoTracking().OrderBy(d => d.Id).ToListAsync(context.RequestAborted).ConfigureAwait(false);
            var telemetry = await db.Records.AsNoTracking()
                .Where(r => r.Stream == SyncTopics.Telemetry && r.CreatedAtMs >= since)
                .OrderBy(r => r.CreatedAtMs)
                .Select(r => new { r.DeviceId, r.Body })
                .ToListAsync(context.RequestAborted).ConfigureAwait(false);
            var byDevice = telemetry.ToLookup(r => r.DeviceId, r => r.Body, StringComparer.Ordinal);
            // The reported state comes from the device row, which the rollout controller's projection keeps current.
            var views = devices.Select(d => FleetView.Describe(d, byDevice[d.Id], now, options.StaleAfter)).ToArray();
            await AdminResults.Json(context, views, DashboardJson.Default.DeviceViewArray).ConfigureAwait(false);
        }
    }
}
