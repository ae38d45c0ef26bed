using System.Text.Json;
using EdgeAi.Serving.SharedMemory;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Serving.Protocol;

/// <summary>
/// Triton's system_shared_memory REST routes. Mapped on every server; where no <see cref="SharedMemoryRegistry"/> is
/// registered (the hub, or the agent with it disabled) they answer 404 saying so.
/// </summary>
public static class RestSharedMemoryEndpoints
{
    /// <summary>A register body is three members; anything much larger is not one.</summary>
    private const int MaxBodyBytes = 16 * 1024;

    public static IEndpointRouteBuilder MapSystemSharedMemory(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/v2/systemsharedmemory/status", Status);
        endpoints.MapGet("/v2/systemsharedmemory/region/{name}/status", Status);
        endpoints.MapPost("/v2/systemsharedmemory/region/{name}/register", Register);
        endpoints.MapPost("/v2/systemsharedmemory/unregister", Unregister);
        endpoints.MapPost("/v2/systemsharedmemory/region/{name}/unregister", Unregister);
        return endpoints;
    }

    private static Task Status(HttpContext context) => RestInferenceEndpoints.Guard(context, () =>
    {
        var regions = Registry(context).Status(Name(context));
        return RestInferenceEndpoints.Json(context, 200, w =>
        {
            w.WriteStartArray();
            foreach (var region in regions)
            {
                w.WriteStartObject();
                w.WriteString("name", region.Name);
                w.WriteString("key", region.Key);
                w.WriteNumber("offset", region.Offset);
                w.WriteNumber("byte_size", region.ByteSize);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    });

    private static Task Register(HttpContext context) => RestInferenceEndpoints.Guard(context, async () =>
    {
        var registry = Registry(context);
        var name = Name(context);
        // The inference body reader: one limit (413 over it), UTF-8 checked, a body whose framing breaks is a 400, not a 500.
        var body = (await RestRequestBody.ReadAsync(context, MaxBodyBytes, $"{MaxBodyBytes} bytes, the most a register request reads").ConfigureAwait(false)).Json;
        string key;
        ulong offset, byteSize;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw InferenceException.Invalid("register body must be a JSON object {\"key\": \"/name\", \"offset\": 0, \"byte_size\": N}");
            }
            key = root.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String
                ? k.GetString()!
                : throw InferenceException.Invalid("register body needs a string 'key' (the shared-memory object's name, e.g. \"/edgeai_input\")");
            offset = root.TryGetProperty("offset", out var o) ? Size(o, "offset") : 0;
            byteSize = root.TryGetProperty("byte_size", out var b)
                ? Size(b, "byte_size")
                : throw InferenceException.Invalid("register body needs 'byte_size', the region's size in bytes");
        }
        catch (JsonException e)
        {
            throw InferenceException.Invalid($"register body is not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            throw InferenceException.Invalid($"register body 'key' is not valid UTF-8: {e.Message}");
        }
        registry.Register(name, key, offset, byteSize);
        await EmptyObject(context).ConfigureAwait(false);
    });

    private static Task Unregister(HttpContext context) => RestInferenceEndpoints.Guard(context, () =>
    {
        Registry(context).Unregister(Name(context));
        return EmptyObject(context);
    });

    private static Task EmptyObject(HttpContext context) =>
        RestInferenceEndpoints.Json(context, 200, w => { w.WriteStartObject(); w.WriteEndObject(); });

    private static ulong Size(JsonElement value, string member) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetUInt64(out var n)
            ? n
            : throw InferenceException.Invalid($"register body '{member}' is {value.GetRawText()}; expected a whole number of bytes, 0 or more");

    private static SharedMemoryRegistry Registry(HttpContext context) =>
        context.RequestServices.GetService<SharedMemoryRegistry>()
        ?? throw new InferenceException(InferenceError.NotFound,
            "this server does not offer the system_shared_memory extension (the agent does, where Agent:SharedMemory:Enabled and /dev/shm exists)");

    private static string Name(HttpContext context) => context.Request.RouteValues["name"] as string ?? string.Empty;
}
