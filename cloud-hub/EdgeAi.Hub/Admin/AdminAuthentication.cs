using EdgeAi.Hub.Security;
using Microsoft.AspNetCore.Http;

namespace EdgeAi.Hub.Admin;

/// <summary>The admin API (<c>/api</c>) needs <c>Authorization: Bearer &lt;admin key&gt;</c> (Hub:AdminKey, else the generated admin.key).</summary>
internal sealed class AdminAuthentication(RequestDelegate next, AdminKey adminKey)
{
    public Task InvokeAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || !adminKey.Matches(header["Bearer ".Length..].Trim()))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return AdminResults.Problem(context, StatusCodes.Status401Unauthorized, "Unauthorized",
                "missing or wrong admin key: send 'Authorization: Bearer <key>' with Hub:AdminKey, or when none is configured the key in admin.key in the hub's data directory");
        }
        return next(context);
    }
}
