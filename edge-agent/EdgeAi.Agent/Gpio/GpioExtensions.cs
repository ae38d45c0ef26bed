using EdgeAi.Agent.Pipelines;
using EdgeAi.Agent.SyncDown;
using EdgeAi.Agent.Telemetry;
using EdgeAi.Agent.Uplink;
using EdgeAi.Serving.Hosting;
using EdgeAi.Serving.Runtime;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Gpio;

internal static class GpioExtensions
{
    /// <summary>
    /// GPIO: its options (validated on start), the service that opens the driver and pins before anything else
    /// starts, the edge pump and the indicator loop, and its lines on /metrics and in the reported state.
    /// </summary>
    public static IHostApplicationBuilder AddGpio(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<GpioOptions>().BindConfiguration(GpioOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GpioOptions>, GpioOptionsValidator>();
        services.AddSingleton<GpioService>();
        services.AddHostedService(sp => sp.GetRequiredService<GpioService>());
        services.AddSingleton<GpioEdgePump>();
        services.AddHostedService(sp => sp.GetRequiredService<GpioEdgePump>());
        services.AddSingleton<IIndicatorState>(sp => new AgentIndicatorState(
            sp.GetRequiredService<UplinkState>(), sp.GetRequiredService<ModelHost>(), sp.GetService<PipelineCatalog>(), sp.GetRequiredService<LoopSupervisor>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IRuleActivity>() ?? NoRules.Instance));
        services.AddHostedService<IndicatorLoop>();
        services.AddSingleton<IMetricsSource, GpioMetrics>();
        services.AddSingleton<IReportedStateSource, GpioReportSource>();
        return builder;
    }

    /// <summary>Rule activity when no rules engine is registered: nothing ever fired or failed.</summary>
    private sealed class NoRules : IRuleActivity
    {
        public static NoRules Instance { get; } = new();

        public DateTimeOffset? LastFailure => null;

        public DateTimeOffset? LastFired(string? rule) => null;
    }
}
