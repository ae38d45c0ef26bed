using EdgeAi.Hub.Http;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Dashboard;

/// <summary>Registers the dashboard's options (stale devices, fallback window) and its JSON.</summary>
internal static class DashboardExtensions
{
    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DashboardOptions>, DashboardOptionsValidator>();
        services.AddHttpJson(DashboardJson.Default);
        return builder;
    }
}
