using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Telemetry;

internal static class TelemetryExtensions
{
    /// <summary>Request metrics and samples, the telemetry collector, and the outbox, uplink and loop series on /metrics.</summary>
    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>();
        services.AddSingleton<InferenceMetrics>();
        services.AddSingleton<InferenceSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<InferenceSampler>());
        services.AddSingleton<TelemetryCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<TelemetryCollector>());
        services.AddSingleton<IMetricsSource, AgentMeters>();
        return builder;
    }
}
