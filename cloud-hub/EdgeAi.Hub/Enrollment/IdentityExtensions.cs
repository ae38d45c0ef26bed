using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Security;

namespace EdgeAi.Hub.Enrollment;

/// <summary>Registers identity: the admin key, enrollment tokens and the enroller, device credentials from the store, revocation.</summary>
internal static class IdentityExtensions
{
    /// <summary>Call after the store is registered (its initializer must start first) and before the broker.</summary>
    public static IServiceCollection AddDeviceIdentity(this IServiceCollection services)
    {
        services.AddSingleton<AdminKey>();
        services.AddHostedService(sp => sp.GetRequiredService<AdminKey>());
        services.AddHostedService<DeviceCredentialsLoader>();
        services.AddSingleton<EnrollmentTokens>();
        services.AddSingleton<DeviceEnroller>();
        services.AddSingleton<DeviceRevocation>();
        return services;
    }
}
