using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Cloud;

internal static class CloudExtensions
{
    /// <summary>The one gRPC channel to the hub and the resilient inference client on it.</summary>
    public static IHostApplicationBuilder AddCloud(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<CloudOptions>().BindConfiguration(CloudOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CloudOptions>, CloudOptionsValidator>();
        services.AddSingleton<HubChannel>();
        services.AddSingleton<CloudClient>();
        return builder;
    }
}
