using EdgeAi.Hub.Http;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Deployments;

/// <summary>Registers deployments: the desired-state change path and publisher, the rollout coordinator and its controller loop.</summary>
internal static class DeploymentExtensions
{
    public static IHostApplicationBuilder AddDeployments(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<DeploymentOptions>().BindConfiguration(DeploymentOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeploymentOptions>, DeploymentOptionsValidator>();
        services.AddSingleton<DesiredStatePublisher>();
        services.AddSingleton<DesiredStateChanges>();
        services.AddSingleton<StatusProjection>();
        services.AddSingleton<LateJoiners>();
        services.AddSingleton<RolloutCoordinator>();
        services.AddHostedService<DeploymentController>();
        services.AddHttpJson(DeploymentJson.Default);
        return builder;
    }
}
