using EdgeAi.Agent.Twin;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Fleet;

/// <summary>Sync down: the desired-state configuration layer and the reconciler that follows the hub's desired models.</summary>
internal static class FleetExtensions
{
    /// <summary>
    /// Call after every other configuration source is added: the desired layer goes on top, so the
    /// hub's values win for the keys it may set (only live ones; see <see cref="LiveConfig"/>).
    /// </summary>
    public static IHostApplicationBuilder AddFleet(this IHostApplicationBuilder builder)
    {
        var desired = new DesiredConfiguration();
        builder.Configuration.Add(desired);
        var services = builder.Services;
        services.AddSingleton(desired);
        services.AddSingleton<LiveConfig>();
        services.AddOptions<FleetOptions>().BindConfiguration(FleetOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FleetOptions>, FleetOptionsValidator>();
        services.AddSingleton<ModelDownloader>();
        services.AddSingleton<ArtifactVerifier>();
        services.AddSingleton<SmokeTest>();
        services.AddSingleton<DeploymentReporter>();
        services.AddSingleton<Reconciler>();
        services.AddHostedService(sp => sp.GetRequiredService<Reconciler>());
        return builder;
    }
}
