using EdgeAi.Hub.Http;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Security;

/// <summary>Registers security: device credentials (configured, and enrolled ones loaded from the store and kept in step with it), revocation, the admin key, authentication and its policies.</summary>
internal static class SecurityExtensions
{
    public static IHostApplicationBuilder AddHubSecurity(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddSingleton<DeviceCredentials>();
        services.AddSingleton<DeviceCredentialsLoader>();
        services.AddHostedService(sp => sp.GetRequiredService<DeviceCredentialsLoader>());
        services.AddOptions<CredentialOptions>().BindConfiguration(CredentialOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CredentialOptions>, CredentialOptions>();
        services.AddHostedService<DeviceCredentialsRefresh>();
        services.AddSingleton<DeviceRevocation>();
        services.AddSingleton<AdminKey>();
        services.AddHostedService(sp => sp.GetRequiredService<AdminKey>());
        services.AddHubAuthentication();
        services.AddHttpJson(SecurityJson.Default);
        return builder;
    }
}
