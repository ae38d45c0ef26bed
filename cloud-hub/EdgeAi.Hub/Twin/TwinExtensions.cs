using EdgeAi.Hub.Http;

namespace EdgeAi.Hub.Twin;

/// <summary>Registers the device twin (desired configuration); it publishes through the deployments' desired-state path.</summary>
internal static class TwinExtensions
{
    public static IHostApplicationBuilder AddDeviceTwin(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<DeviceTwin>();
        builder.Services.AddHttpJson(TwinJson.Default);
        return builder;
    }
}
