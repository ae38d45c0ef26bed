using EdgeAi.Serving.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EdgeAi.Agent.Health;

internal static class HealthExtensions
{
    /// <summary>
    /// Health checks for /healthz and /readyz: liveness, each model's readiness, and the hub and broker links, which
    /// report Degraded when offline (the agent works offline).
    /// </summary>
    public static IHostApplicationBuilder AddAgentHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddServingHealthChecks()
            .AddCheck<HubConnectivityCheck>("hub", HealthStatus.Degraded)
            .AddCheck<BrokerConnectivityCheck>("broker", HealthStatus.Degraded);
        return builder;
    }
}
