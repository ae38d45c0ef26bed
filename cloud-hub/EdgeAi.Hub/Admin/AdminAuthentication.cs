using System.Security.Cryptography;
using System.Text;
using EdgeAi.Hub.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Admin;

/// <summary>The admin API (<c>/api</c>) needs <c>Authorization: Bearer &lt;Hub:AdminKey&gt;</c>; with no key configured it is closed.</summary>
internal sealed class AdminAuthentication(RequestDelegate next, IOptions<HubOptions> options)
{
    private readonly byte[]? _keyHash = string.IsNullOrEmpty(options.Value.AdminKey) ? null : Hash(options.Value.AdminKey);

    public Task InvokeAsync(HttpContext context)
    {
        if (_keyHash is null)
        {
            return AdminResults.Problem(context, StatusCodes.Status401Unauthorized, "Unauthorized", "the admin API is off: set Hub:AdminKey (16 characters or more) to use it");
        }
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            || !CryptographicOperations.FixedTimeEquals(Hash(header["Bearer ".Length..].Trim()), _keyHash))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return AdminResults.Problem(context, StatusCodes.Status401Unauthorized, "Unauthorized", "missing or wrong admin key: send 'Authorization: Bearer <Hub:AdminKey>'");
        }
        return next(context);
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
