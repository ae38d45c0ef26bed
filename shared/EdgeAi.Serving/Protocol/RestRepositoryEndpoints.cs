using System.Text.Json;
using EdgeAi.Common.Inference;
using EdgeAi.Serving.Repository;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EdgeAi.Serving.Protocol;

/// <summary>
/// The model repository extension over REST, with Triton's routes and JSON: POST /v2/repository/index
/// (body optional, <c>{"ready": bool}</c>), POST /v2/repository/models/{name}/load and .../unload (body
/// optional, <c>{"parameters": {}}</c>). Errors are the protocol's problem bodies with their <c>error</c> member.
/// </summary>
public static class RestRepositoryEndpoints
{
    // The bodies are a flag or an empty object: a small cap keeps a huge body from being buffered for nothing.
    private const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapRepositoryRest(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/v2/repository/index", Index);
        endpoints.MapPost("/v2/repository/models/{name}/load", Load);
        endpoints.MapPost("/v2/repository/models/{name}/unload", Unload);
        return endpoints;
    }

    private static Task Index(HttpContext context) => RestInferenceEndpoints.Guard(context, async () =>
    {
        var ready = false;
        using (var body = await ReadObjectAsync(context).ConfigureAwait(false))
        {
            foreach (var member in body is null ? [] : body.RootElement.EnumerateObject().ToList())
            {
                ready = member.Name == "ready"
                    ? member.Value.ValueKind switch
                    {
                        JsonValueKind.True => true,
                        JsonValueKind.False => false,
                        _ => throw InferenceException.Invalid($"'ready' must be a boolean (true or false), got {Describe(member.Value)}"),
                    }
                    : throw InferenceException.Invalid($"unknown member '{member.Name}' in the index request; it takes only 'ready' (a boolean)");
            }
        }
        var index = ModelRepository.Index(context.RequestServices, null, ready);
        await RestInferenceEndpoints.Json(context, 200, w => WriteIndex(w, index)).ConfigureAwait(false);
    });

    private static Task Load(HttpContext context) => RestInferenceEndpoints.Guard(context, async () =>
    {
        await ReadParametersAsync(context, "load").ConfigureAwait(false);
        ModelRepository.Load(context, null, Name(context));
        context.Response.StatusCode = 200;
    });

    private static Task Unload(HttpContext context) => RestInferenceEndpoints.Guard(context, async () =>
    {
        await ReadParametersAsync(context, "unload").ConfigureAwait(false);
        ModelRepository.Unload(context, null, Name(context));
        context.Response.StatusCode = 200;
    });

    private static string Name(HttpContext context) => (string)context.Request.RouteValues["name"]!;

    /// <summary>Load and unload take an optional <c>parameters</c> object; none is supported, so it must be empty (see the gRPC endpoint).</summary>
    private static async Task ReadParametersAsync(HttpContext context, string what)
    {
        using var body = await ReadObjectAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }
        foreach (var member in body.RootElement.EnumerateObject())
        {
            if (member.Name != "parameters")
            {
                throw InferenceException.Invalid($"unknown member '{member.Name}' in the {what} request; it takes only 'parameters' (an object)");
            }
            if (member.Value.ValueKind != JsonValueKind.Object)
            {
                throw InferenceException.Invalid($"'parameters' must be an object, got {Describe(member.Value)}");
            }
            foreach (var parameter in member.Value.EnumerateObject())
            {
                if (what == "unload" && parameter.Name == RepositoryParameters.UnloadDependents)
                {
                    if (parameter.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        throw InferenceException.Invalid($"'{parameter.Name}' must be a boolean, got {Describe(parameter.Value)}");
                    }
                    continue;
                }
                throw InferenceException.Invalid(RepositoryParameters.Unsupported(what, parameter.Name));
            }
        }
    }

    /// <summary>The body as a JSON object, or null when it is empty (each of these bodies is optional).</summary>
    private static async Task<JsonDocument?> ReadObjectAsync(HttpContext context)
    {
        var bytes = (await RestRequestBody.ReadAsync(context, MaxBodyBytes, $"{MaxBodyBytes} bytes, the most a repository request reads").ConfigureAwait(false)).Json;
        if (bytes.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            return null;
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw InferenceException.Invalid($"request body is not valid JSON: {e.Message}");
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = Describe(document.RootElement);
            document.Dispose();
            throw InferenceException.Invalid($"request body must be a JSON object, got {kind}");
        }
        return document;
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.Null => "null",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static void WriteIndex(Utf8JsonWriter w, RepositoryIndexResponse index)
    {
        w.WriteStartArray();
        foreach (var model in index.Models)
        {
            w.WriteStartObject();
            w.WriteString("name", model.Name);
            w.WriteString("version", model.Version);
            w.WriteString("state", model.State);
            w.WriteString("reason", model.Reason);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
