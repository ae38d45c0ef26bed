using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Http;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Registry;

/// <summary>Registers the model registry: signed artifacts, the hub's own serving copy of each, and resumable downloads to devices.</summary>
internal static class RegistryExtensions
{
    public static IHostApplicationBuilder AddModelRegistry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<RegistryOptions>().BindConfiguration(RegistryOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RegistryOptions>, RegistryOptionsValidator>();
        services.AddSingleton<HubServingInstaller>();
        services.AddSingleton<ModelRegistry>();
        services.AddHostedService(sp => sp.GetRequiredService<ModelRegistry>());
        services.AddSingleton<DownloadMetrics>();
        services.AddSingleton<ModelDownloads>();
        services.AddFleetService<ModelDownloadService>();
        services.AddHttpJson(RegistryJson.Default);
        return builder;
    }
}
