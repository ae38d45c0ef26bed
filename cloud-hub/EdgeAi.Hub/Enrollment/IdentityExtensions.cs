using EdgeAi.Hub.Security;

namespace EdgeAi.Hub.Enrollment;

/// <summary>Registers identity: the admin key, enrollment tokens and the enroller, device credentials from the store, revocation.</summary>
internal static class IdentityExtensions
{
    public static IServiceCollection AddDeviceIdentity(this IServiceCollection services)
    {
        services.AddSingleton<AdminKey>();
        services.AddHostedService(sp => sp.GetRequiredService<AdminKey>());
        services.AddSingleton<DeviceCredentialsLoader>();
        services.AddHostedService(sp => sp.GetRequiredService<DeviceCredentialsLoader>());
        services.AddSingleton<EnrollmentTokens>();
        services.AddSingleton<DeviceEnroller>();
        services.AddSingleton<DeviceRevocation>();
        return services;
    }
}
