using EdgeAi.Agent.SyncDown;

namespace EdgeAi.Agent.Support;

internal static class SupportExtensions
{
    /// <summary>Support bundles at the hub's request: the <c>support_bundle</c> command handler and the loop that builds and uploads them.</summary>
    public static IHostApplicationBuilder AddSupportBundles(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<SupportBundleUploads>();
        services.AddSingleton<IDeviceCommandHandler>(sp => sp.GetRequiredService<SupportBundleUploads>());
        services.AddHostedService(sp => sp.GetRequiredService<SupportBundleUploads>());
        return builder;
    }
}
