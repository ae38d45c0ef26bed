using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace EdgeAi.Serving.Health;

/// <summary>
/// /healthz (liveness: the checks tagged <see cref="LiveTag"/>, body "ok") and /readyz (every check, as JSON).
/// Both answer 200 for Healthy and Degraded, 503 for Unhealthy. The Open Inference Protocol's /v2/health routes are
/// separate and keep the protocol's meaning.
/// </summary>
public static class HealthEndpoints
{
    public const string LiveTag = "live";

    /// <summary>The checks agent and hub share: liveness ("live") and every model's readiness ("models").</summary>
    public static IHealthChecksBuilder AddServingHealthChecks(this IServiceCollection services)
    {
        // The health service would log every Degraded or Unhealthy result again at each probe (every few seconds, for
        // as long as a device is offline); the components log the cause once, and /readyz carries it.
        services.Configure<LoggerFilterOptions>(o => o.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.Critical));
        return services.AddHealthChecks()
            .AddCheck<LivenessCheck>("live", tags: [LiveTag])
            .AddCheck<ModelReadinessCheck>("models");
    }

    public static IEndpointConventionBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var live = app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = r => r.Tags.Contains(LiveTag),
            ResponseWriter = (context, report) => context.Response.WriteAsync(report.Status == HealthStatus.Healthy ? "ok" : report.Status.ToString().ToLowerInvariant()),
        });
        var ready = app.MapHealthChecks("/readyz", new HealthCheckOptions { ResponseWriter = WriteJsonAsync });
        return new Both(live, ready);
    }

    /// <summary>
    /// <c>{"status":"Degraded","duration_ms":1.2,"checks":[{"name":"hub","status":"Degraded","description":"...","duration_ms":0.8,"data":{...}}]}</c>,
    /// checks in name order; written by hand (the agent is trimmed, so no reflection-based serializer).
    /// </summary>
    public static async Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(report);
        context.Response.ContentType = "application/json; charset=utf-8";
        using var buffer = new MemoryStream();
        await using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", report.Status.ToString());
            json.WriteNumber("duration_ms", Math.Round(report.TotalDuration.TotalMilliseconds, 3));
            json.WriteStartArray("checks");
            foreach (var (name, entry) in report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WriteString("status", entry.Status.ToString());
                json.WriteString("description", entry.Description ?? entry.Exception?.Message ?? "");
                json.WriteNumber("duration_ms", Math.Round(entry.Duration.TotalMilliseconds, 3));
                json.WriteStartObject("data");
                foreach (var (key, value) in entry.Data.OrderBy(d => d.Key, StringComparer.Ordinal))
                {
                    WriteValue(json, key, value);
                }
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        await context.Response.Body.WriteAsync(buffer.ToArray(), context.RequestAborted).ConfigureAwait(false);
    }

    private static void WriteValue(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(key);
                break;
            case bool b:
                json.WriteBoolean(key, b);
                break;
            case int or long or double or float or decimal:
                json.WriteNumber(key, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            default:
                json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private sealed class Both(IEndpointConventionBuilder first, IEndpointConventionBuilder second) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            first.Add(convention);
            second.Add(convention);
        }
    }
}
