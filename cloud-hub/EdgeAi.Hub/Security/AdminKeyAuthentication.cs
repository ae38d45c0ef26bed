using System.Security.Claims;
using System.Text.Encodings.Web;
using EdgeAi.Hub.Admin;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Security;

/// <summary>
/// The admin API authenticates with <c>Authorization: Bearer &lt;admin key&gt;</c> (Hub:AdminKey, else
/// the generated admin.key). The key is shared, so the ticket names the person by the CLI's
/// <see cref="AuditLog.ActorHeader"/> ("admin:alice"), which is what the audit log records. The
/// challenge is a 401 problem saying where the key is.
/// </summary>
internal sealed class AdminKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers, UrlEncoder encoder, AdminKey adminKey)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "AdminKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken.Of(Request) is not { } key)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        if (!adminKey.Matches(key))
        {
            return Task.FromResult(AuthenticateResult.Fail("wrong admin key"));
        }
        var actor = AuditLog.AdminNamed(Request.Headers[AuditLog.ActorHeader].ToString());
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, actor)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return TypedResults.Problem(
            "missing or wrong admin key: send 'Authorization: Bearer <key>' with Hub:AdminKey, or when none is configured the key in admin.key in the hub's data directory",
            statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized").ExecuteAsync(Context);
    }
}
