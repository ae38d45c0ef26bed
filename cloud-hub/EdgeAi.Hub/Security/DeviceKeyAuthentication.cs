using System.Security.Claims;
using System.Text.Encodings.Web;
using EdgeAi.Hub.Http;
using EdgeAi.Serving.Protocol;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Security;

/// <summary>
/// Devices authenticate with <c>authorization: Bearer &lt;device key&gt;</c> (<see cref="DeviceCredentials"/>, through
/// <see cref="DeviceCredentialsLoader.MatchAsync"/>):
/// the ticket names the device (<see cref="DeviceIdClaim"/>); an unknown key or a revoked device fails
/// with the reason. The challenge answers in the caller's protocol: gRPC callers get UNAUTHENTICATED
/// as a trailers-only response, REST callers 401 with a problem body that carries the protocol's
/// <c>error</c> member too.
/// </summary>
internal sealed class DeviceKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory loggers, UrlEncoder encoder, DeviceCredentialsLoader credentials)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    public const string SchemeName = "DeviceKey";

    public const string DeviceIdClaim = "edgeai.device_id";

    public const string MissingCredentials = "missing credentials: send 'authorization: Bearer <device key>'";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken.Of(Request) is not { } key)
        {
            return AuthenticateResult.NoResult();
        }
        // A key the cache does not know is looked up in the store: the device may have enrolled through another replica.
        var device = await credentials.MatchAsync(key, Context.RequestAborted).ConfigureAwait(false);
        if (device is null)
        {
            Hosting.Log.DeviceRefused(Logger, Remote);
            return AuthenticateResult.Fail("unknown or wrong device key");
        }
        if (device.Revoked)
        {
            Log.RevokedDeviceRefused(Logger, device.DeviceId, Remote);
            return AuthenticateResult.Fail($"device {device.DeviceId} was revoked");
        }
        var identity = new ClaimsIdentity([new Claim(DeviceIdClaim, device.DeviceId), new Claim(ClaimTypes.Name, device.DeviceId)], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var message = (await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false)).Failure?.Message ?? MissingCredentials;
        if (Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            Response.StatusCode = StatusCodes.Status200OK;
            Response.ContentType = "application/grpc";
            Response.Headers["grpc-status"] = "16";
            Response.Headers["grpc-message"] = GrpcStatusMessage.Encode(message);
            return;
        }
        Response.Headers.WWWAuthenticate = "Bearer";
        await TypedResults.Problem(message, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized",
            extensions: new Dictionary<string, object?> { ["error"] = message }).ExecuteAsync(Context).ConfigureAwait(false);
    }

    private string Remote => Context.Connection.RemoteIpAddress?.ToString() ?? "?";
}

/// <summary>The key of an <c>Authorization: Bearer &lt;key&gt;</c> header (scheme case-insensitive), or null when there is none.</summary>
internal static class BearerToken
{
    public static string? Of(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }
}
