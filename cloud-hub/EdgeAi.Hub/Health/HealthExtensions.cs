using EdgeAi.Serving.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EdgeAi.Hub.Health;

internal static class HealthExtensions
{
    /// <summary>Health checks for /healthz and /readyz: liveness, each model's readiness, the store, the broker and the signing key.</summary>
    public static IHostApplicationBuilder AddHubHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddServingHealthChecks()
            .AddCheck<StoreCheck>("store")
            .AddCheck<BrokerCheck>("broker")
            .AddCheck<SigningKeyCheck>("signing_key");
        return builder;
    }
}
