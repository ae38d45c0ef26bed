using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Routing;

internal static class RoutingExtensions
{
    /// <summary>The router with its options (read live) and the local latency it judges deadlines by.</summary>
    public static IHostApplicationBuilder AddRouting(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RoutingOptions>().BindConfiguration(RoutingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RoutingOptions>, RoutingOptionsValidator>();
        services.AddSingleton<LatencyTracker>();
        services.AddSingleton<Router>();
        return builder;
    }
}
