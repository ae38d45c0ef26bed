using System.Diagnostics.Metrics;
using EdgeAi.Common.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Serving.Hosting;

public static class MetricsEndpoint
{
    /// <summary>The one Prometheus writer of a host, listening to the meters that host's <see cref="IMeterFactory"/> creates.</summary>
    public static IServiceCollection AddPrometheusExporter(this IServiceCollection services) =>
        services.AddSingleton(sp => PrometheusExporter.ForScope(sp.GetRequiredService<IMeterFactory>()));

    /// <summary>
    /// GET /metrics from the exporter. The exporter is created here, before the host starts, so no measurement is made
    /// before it listens; callers resolve the services whose constructors create instruments right after, so every
    /// family is on the first page.
    /// </summary>
    public static IEndpointConventionBuilder MapPrometheusMetrics(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var exporter = app.ServiceProvider.GetRequiredService<PrometheusExporter>();
        return app.MapGet("/metrics", context =>
        {
            context.Response.ContentType = PrometheusFormat.ContentType;
            return context.Response.WriteAsync(exporter.Collect(), context.RequestAborted);
        });
    }
}
