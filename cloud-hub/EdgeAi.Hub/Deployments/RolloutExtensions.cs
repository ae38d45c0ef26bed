using EdgeAi.Hub.Registry;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Deployments;

/// <summary>Composition of the model registry, model downloads and the rollout controller.</summary>
internal static class RolloutExtensions
{
    /// <summary>Call after the broker is registered: the controller must start after it, to republish retained desired states.</summary>
    public static IHostApplicationBuilder AddModelRollout(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<RegistryOptions>().BindConfiguration(RegistryOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RegistryOptions>, RegistryOptionsValidator>();
        services.AddOptions<DeploymentOptions>().BindConfiguration(DeploymentOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeploymentOptions>, DeploymentOptionsValidator>();
        services.AddSingleton<HubServingInstaller>();
        services.AddSingleton<ModelRegistry>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelRegistry>());
        services.AddSingleton<DownloadMetrics>();
        services.AddSingleton<ModelDownloads>();
        services.AddSingleton<DesiredStatePublisher>();
        services.AddSingleton<StatusProjection>();
        services.AddSingleton<RolloutCoordinator>();
        services.AddHostedService<DeploymentController>();
        return builder;
    }

    public static IEndpointRouteBuilder MapModelRollout(this IEndpointRouteBuilder app)
    {
        app.MapModelRegistry();
        app.MapDeployments();
        return app;
    }
}
