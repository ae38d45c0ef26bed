using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Uplink;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.SyncDown;

internal static class SyncDownExtensions
{
    /// <summary>
    /// Sync down: the desired-state store and its subscriber (the MQTT connection's receiver), the reconciler
    /// with its planner, model installer and reporters, and the loop that runs it.
    /// </summary>
    public static IHostApplicationBuilder AddSyncDown(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<FleetOptions>().BindConfiguration(FleetOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FleetOptions>, FleetOptionsValidator>();
        services.AddSingleton(sp => new DesiredStateStore(sp.GetRequiredService<IOptions<AgentOptions>>().Value.DataDirectory));
        services.AddSingleton<IUplinkReceiver, DesiredStateSubscriber>();
        services.AddSingleton<ModelDownloader>();
        services.AddSingleton<ArtifactVerifier>();
        services.AddSingleton<SmokeTest>();
        services.AddSingleton<ModelInstaller>();
        services.AddSingleton<DeviceModels>();
        services.AddSingleton<DeploymentReporter>();
        services.AddSingleton<ReportedStateReporter>();
        services.AddSingleton<Reconciler>();
        services.AddHostedService<ReconcileLoop>();
        return builder;
    }
}
