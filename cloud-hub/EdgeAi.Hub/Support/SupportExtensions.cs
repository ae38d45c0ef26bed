using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Http;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Support;

/// <summary>Registers support bundles: the store of bundle files, the requests (commands to devices) and the upload method of the fleet service.</summary>
internal static class SupportExtensions
{
    public static IHostApplicationBuilder AddSupportBundles(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<SupportBundleOptions>().BindConfiguration(SupportBundleOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SupportBundleOptions>, SupportBundleOptionsValidator>();
        services.AddSingleton<SupportBundleStore>();
        services.AddSingleton<SupportBundleRequests>();
        services.AddHostedService<SupportBundleRetainer>();
        services.AddFleetService<SupportBundleUploadService>();
        services.AddHttpJson(SupportJson.Default);
        return builder;
    }
}
