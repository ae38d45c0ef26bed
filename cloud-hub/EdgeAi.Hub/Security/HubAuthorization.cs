using EdgeAi.Hub.Admin;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace EdgeAi.Hub.Security;

/// <summary>
/// Who may call what: devices (their key) the protocol and model downloads, admins (the admin key)
/// everything under <c>/api</c>. Health, metrics, enrollment and the dashboard page are marked
/// anonymous where they are mapped. Anything else, a path no endpoint serves included, is refused
/// like the route it would belong to: the admin key's challenge under <c>/api</c>, a device's elsewhere.
/// </summary>
internal static class HubAuthorization
{
    public const string DevicePolicy = "device";

    public const string AdminPolicy = "admin";

    /// <summary>
    /// The Open Inference Protocol: a device key, or the admin key (an operator using the model repository
    /// extension's load and unload, which <see cref="HubRepositoryAccess"/> keeps from devices).
    /// </summary>
    public const string ProtocolPolicy = "protocol";

    /// <summary>Forwards to the admin scheme when the bearer is the admin key, else to the device scheme (whose challenge devices expect).</summary>
    private const string DeviceOrAdminScheme = "DeviceOrAdmin";

    /// <summary>Forwards to the admin or the device scheme by path, for what no endpoint claims.</summary>
    private const string ByPathScheme = "ByPath";

    public static IServiceCollection AddHubAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, DeviceKeyAuthentication>(DeviceKeyAuthentication.SchemeName, configureOptions: null)
            .AddScheme<AuthenticationSchemeOptions, AdminKeyAuthentication>(AdminKeyAuthentication.SchemeName, configureOptions: null)
            .AddPolicyScheme(ByPathScheme, displayName: null, options => options.ForwardDefaultSelector = context =>
                context.Request.Path.StartsWithSegments(AdminApi.Prefix) ? AdminKeyAuthentication.SchemeName : DeviceKeyAuthentication.SchemeName)
            .AddPolicyScheme(DeviceOrAdminScheme, displayName: null, options => options.ForwardDefaultSelector = context =>
                BearerToken.Of(context.Request) is { } key && context.RequestServices.GetRequiredService<AdminKey>().Matches(key)
                    ? AdminKeyAuthentication.SchemeName
                    : DeviceKeyAuthentication.SchemeName);
        services.AddAuthorizationBuilder()
            .AddPolicy(DevicePolicy, policy => policy.AddAuthenticationSchemes(DeviceKeyAuthentication.SchemeName).RequireAuthenticatedUser())
            .AddPolicy(ProtocolPolicy, policy => policy.AddAuthenticationSchemes(DeviceOrAdminScheme).RequireAuthenticatedUser())
            .AddPolicy(AdminPolicy, policy => policy.AddAuthenticationSchemes(AdminKeyAuthentication.SchemeName).RequireAuthenticatedUser())
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(ByPathScheme).RequireAuthenticatedUser().Build());
        return services;
    }
}
