using System.Globalization;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Http;
using EdgeAi.Hub.Security;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Admin;

/// <summary>
/// The admin REST API: every route under <c>/api</c>, each room mapping its own into this group. It
/// needs the admin key (<see cref="HubAuthorization.AdminPolicy"/>) and reads at most
/// <c>Hub:MaxAdminRequestBytes</c> (1 MiB) of body instead of Kestrel's limit, which is sized for
/// inference requests (ModelHost:MaxRequestBytes, 64 MiB); a model push raises it again for its own route.
/// </summary>
internal static class AdminApi
{
    public const string Prefix = "/api";

    public static IHostApplicationBuilder AddAdminApi(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddHttpJson(AdminJson.Default);
        return builder;
    }

    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var max = app.ServiceProvider.GetRequiredService<IOptions<HubOptions>>().Value.MaxAdminRequestBytes;
        return app.MapGroup(Prefix)
            .RequireAuthorization(HubAuthorization.AdminPolicy)
            .WithMetadata(new BodyLimit(max, "Request body too large", string.Create(CultureInfo.InvariantCulture,
                $"the request body is over the admin API's limit of {max} bytes (Hub:MaxAdminRequestBytes); admin requests are small JSON documents")));
    }
}
