using EdgeAi.Serving.Protocol;
using Microsoft.AspNetCore.Http;

namespace EdgeAi.Hub.Security;

/// <summary>
/// Requires a device bearer key on every inference call (gRPC and REST). gRPC callers get
/// UNAUTHENTICATED as a trailers-only response, REST callers 401 with a problem body; health routes stay open,
/// the dashboard page holds no data, the admin API (<c>/api</c>) is left to <see cref="Admin.AdminAuthentication"/>, and enrollment is
/// authorised by the token it carries (a device has no key before it enrolls).
/// </summary>
internal sealed class DeviceAuthentication
{
    private readonly RequestDelegate _next;
    private readonly DeviceCredentials _credentials;
    private readonly ILogger<DeviceAuthentication> _logger;

    public DeviceAuthentication(RequestDelegate next, DeviceCredentials credentials, ILogger<DeviceAuthentication> logger)
    {
        _next = next;
        _credentials = credentials;
        _logger = logger;
    }

    public const string DeviceIdItem = "edgeai.device_id";

    /// <summary>The one fleet call made without a device key.</summary>
    public const string EnrollPath = "/edgeai.fleet.v1.Fleet/Enroll";

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/healthz") || path.StartsWithSegments("/v2/health") || path.StartsWithSegments("/metrics")
            || path.StartsWithSegments("/api") || path.Equals(EnrollPath, StringComparison.Ordinal)
            || path.StartsWithSegments(Dashboard.DashboardEndpoints.Path) || path.Value == "/")
        {
            return _next(context);
        }
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(context, "missing credentials: send 'authorization: Bearer <device key>'");
        }
        var device = _credentials.Match(header["Bearer ".Length..].Trim());
        if (device is null)
        {
            Hosting.Log.DeviceRefused(_logger, context.Connection.RemoteIpAddress?.ToString() ?? "?");
            return Refuse(context, "unknown or wrong device key");
        }
        if (device.Revoked)
        {
            Log.RevokedDeviceRefused(_logger, device.DeviceId, context.Connection.RemoteIpAddress?.ToString() ?? "?");
            return Refuse(context, $"device {device.DeviceId} was revoked");
        }
        context.Items[DeviceIdItem] = device.DeviceId;
        return _next(context);
    }

    private static Task Refuse(HttpContext context, string message)
    {
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "16";
            context.Response.Headers["grpc-message"] = GrpcStatusMessage.Encode(message);
            return Task.CompletedTask;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        context.Response.ContentType = "application/problem+json";
        var escaped = System.Text.Json.JsonEncodedText.Encode(message);
        return context.Response.WriteAsync(
            $"{{\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"{escaped}\",\"error\":\"{escaped}\"}}", context.RequestAborted);
    }
}
