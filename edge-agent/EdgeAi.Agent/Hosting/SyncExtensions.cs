using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Routing;
using EdgeAi.Agent.Telemetry;
using EdgeAi.Agent.Uplink;
using EdgeAi.Serving;
using EdgeAi.Serving.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Hosting;

/// <summary>Sync up: the outbox, what feeds it (telemetry, sampled requests, events) and the uplink that drains it.</summary>
internal static class SyncExtensions
{
    public static IHostApplicationBuilder AddSyncUp(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OutboxOptions>, OutboxOptionsValidator>();
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>();
        services.AddOptions<UplinkOptions>().BindConfiguration(UplinkOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<UplinkOptions>, UplinkOptionsValidator>();

        // Opened when the first hosted service needs it, at start, after a check of every page; a
        // damaged file is salvaged and replaced, never fatal (so is damage found later).
        services.AddSingleton(sp => DurableOutbox.Open(
            Path.Combine(sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataDirectory, sp.GetRequiredService<IOptions<OutboxOptions>>().Value.FileName),
            sp.GetRequiredService<IOptions<OutboxOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DurableOutbox>>()));
        services.TryAddSingleton<LoopSupervisor>();
        services.AddSingleton(sp => new DesiredStateStore(sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataDirectory));
        services.AddSingleton<EventReporter>();
        services.AddSingleton<InferenceMetrics>();
        services.AddSingleton<InferenceSampler>();
        services.AddHostedService(sp => sp.GetRequiredService<InferenceSampler>());
        services.AddSingleton<Router>();
        services.AddSingleton<IInferenceBackend>(sp => new MeteredBackend(
            sp.GetRequiredService<Router>(), sp.GetRequiredService<InferenceMetrics>(), sp.GetRequiredService<InferenceSampler>()));
        services.AddSingleton<TelemetryCollector>();
        services.AddHostedService(sp => sp.GetRequiredService<TelemetryCollector>());
        services.AddSingleton<UplinkState>();
        services.AddSingleton<MqttUplink>();
        services.AddHostedService(sp => sp.GetRequiredService<MqttUplink>());
        services.AddSingleton<PrometheusText>();
        return builder;
    }
}
