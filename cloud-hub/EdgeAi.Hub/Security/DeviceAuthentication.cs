using System.Security.Cryptography;
using System.Text;
using EdgeAi.Hub.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Security;

/// <summary>
/// Requires a device bearer key on every inference call (gRPC and REST). gRPC callers get
/// UNAUTHENTICATED as a trailers-only response, REST callers 401 with a problem body; health routes stay open.
/// </summary>
internal sealed class DeviceAuthentication
{
    private readonly RequestDelegate _next;
    private readonly Dictionary<string, byte[]> _keyHashes;
    private readonly ILogger<DeviceAuthentication> _logger;

    public DeviceAuthentication(RequestDelegate next, IOptions<HubOptions> options, ILogger<DeviceAuthentication> logger)
    {
        _next = next;
        _logger = logger;
        _keyHashes = options.Value.DeviceKeys.ToDictionary(kv => kv.Key, kv => SHA256.HashData(Encoding.UTF8.GetBytes(kv.Value)), StringComparer.Ordinal);
    }

    public const string DeviceIdItem = "edgeai.device_id";

    public Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/healthz") || path.StartsWithSegments("/v2/health") || path.StartsWithSegments("/metrics"))
        {
            return _next(context);
        }
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(context, "missing credentials: send 'authorization: Bearer <device key>'");
        }
        var device = Match(header["Bearer ".Length..].Trim());
        if (device is null)
        {
            Hosting.Log.DeviceRefused(_logger, context.Connection.RemoteIpAddress?.ToString() ?? "?");
            return Refuse(context, "unknown or wrong device key");
        }
        context.Items[DeviceIdItem] = device;
        return _next(context);
    }

    private string? Match(string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        string? found = null;
        // Compare against every key in constant time, so timing tells nothing about which one nearly matched.
        foreach (var (device, expected) in _keyHashes)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                found = device;
            }
        }
        return found;
    }

    private static Task Refuse(HttpContext context, string message)
    {
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "16";
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
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
