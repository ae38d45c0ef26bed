using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Http;

namespace EdgeAi.Hub.Enrollment;

/// <summary>Registers enrollment: tokens, the enroller that spends them, and the fleet service's Enroll method.</summary>
internal static class EnrollmentExtensions
{
    public static IHostApplicationBuilder AddEnrollment(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddSingleton<EnrollmentTokens>();
        services.AddSingleton<DeviceEnroller>();
        services.AddFleetService<EnrollmentService>();
        services.AddHttpJson(EnrollmentJson.Default);
        return builder;
    }
}
