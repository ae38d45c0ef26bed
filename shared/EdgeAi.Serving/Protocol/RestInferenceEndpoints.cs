using System.Text.Json;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.SharedMemory;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeAi.Serving.Protocol;

/// <summary>
/// The Open Inference Protocol REST/JSON routes over an <see cref="IInferenceBackend"/>. Errors are
/// <c>application/problem+json</c> with the protocol's own <c>error</c> member too, so both generic
/// HTTP clients and v2 clients read them.
/// </summary>
public static class RestInferenceEndpoints
{
    public static IEndpointRouteBuilder MapInferenceRest(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/v2", ServerMetadata);
        // Probes answer without credentials wherever the protocol is served behind authorization (the hub); inert where there is none (the agent).
        endpoints.MapGet("/v2/health/live", ctx => Json(ctx, 200, w => { w.WriteStartObject(); w.WriteBoolean("live", true); w.WriteEndObject(); })).AllowAnonymous();
        endpoints.MapGet("/v2/health/ready", ServerReady).AllowAnonymous();
        endpoints.MapGet("/v2/models/{name}", ModelMetadata);
        endpoints.MapGet("/v2/models/{name}/versions/{version}", ModelMetadata);
        endpoints.MapGet("/v2/models/{name}/ready", ModelReady);
        endpoints.MapGet("/v2/models/{name}/versions/{version}/ready", ModelReady);
        endpoints.MapPost("/v2/models/{name}/infer", ModelInfer);
        endpoints.MapPost("/v2/models/{name}/versions/{version}/infer", ModelInfer);
        return endpoints;
    }

    private static Task ServerMetadata(HttpContext context)
    {
        var server = context.RequestServices.GetRequiredService<ServerIdentity>();
        return Json(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("name", server.Name);
            w.WriteString("version", server.Version);
            RestResponseWriter.WriteStrings(w, "extensions", ProtocolExtension.Names(context.RequestServices.GetServices<ProtocolExtension>()));
            w.WriteEndObject();
        });
    }

    private static Task ServerReady(HttpContext context)
    {
        var ready = Backend(context).IsReady;
        return Json(context, ready ? 200 : 503, w => { w.WriteStartObject(); w.WriteBoolean("ready", ready); w.WriteEndObject(); });
    }

    private static Task ModelMetadata(HttpContext context) => Guard(context, async () =>
    {
        var (name, version) = Route(context);
        var metadata = await Backend(context).GetModelMetadataAsync(name, version, context.RequestAborted).ConfigureAwait(false);
        await Json(context, 200, w => RestResponseWriter.WriteMetadata(w, metadata)).ConfigureAwait(false);
    });

    private static Task ModelReady(HttpContext context) => Guard(context, async () =>
    {
        var (name, version) = Route(context);
        var ready = await Backend(context).IsModelReadyAsync(name, version, context.RequestAborted).ConfigureAwait(false);
        await Json(context, ready ? 200 : 503, w =>
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteBoolean("ready", ready);
            w.WriteEndObject();
        }).ConfigureAwait(false);
    });

    private static Task ModelInfer(HttpContext context) => Guard(context, async () =>
    {
        var (name, version) = Route(context);
        var limit = context.RequestServices.GetRequiredService<IOptions<ModelHostOptions>>().Value.MaxRequestBytes;
        var body = await RestRequestBody.ReadAsync(context, limit).ConfigureAwait(false);
        var backend = Backend(context);
        var request = body.IsRawBinary
            ? await RawBinaryRequest.BuildAsync(backend, name, version, body.Binary!.Value, context.RequestAborted).ConfigureAwait(false)
            : ParseRequest(body, name, version, limit);
        var response = await SharedMemoryInference.InferAsync(
            backend, context.RequestServices.GetService<SharedMemoryRegistry>(), request.Request, context.RequestAborted).ConfigureAwait(false);
        if (RestBinaryResponse.Choose(response, request.Outputs) is { } binary)
        {
            await RestBinaryResponse.WriteAsync(context, response, binary).ConfigureAwait(false);
            return;
        }
        await Json(context, 200, w => RestResponseWriter.WriteInfer(w, response)).ConfigureAwait(false);
    });

    private static RestInferRequest ParseRequest(RestRequestBody body, string name, string? version, int limit)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.Json);
        }
        catch (JsonException e)
        {
            throw InferenceException.Invalid($"request body is not valid JSON: {e.Message}");
        }
        // The request keeps no reference into the document: strings are copied out, binary inputs wrap the body.
        using (document)
        {
            return RestRequestReader.Read(document.RootElement, body.Binary, name, version, limit);
        }
    }

    private static IInferenceBackend Backend(HttpContext context) => context.RequestServices.GetRequiredService<IInferenceBackend>();

    private static (string Name, string? Version) Route(HttpContext context) =>
        ((string)context.Request.RouteValues["name"]!, context.Request.RouteValues["version"] as string);

    internal static async Task Guard(HttpContext context, Func<Task> handle)
    {
        try
        {
            await handle().ConfigureAwait(false);
        }
        catch (InferenceException e)
        {
            await Problem(context, e.HttpStatus, e.Message).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            var detail = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? "request body is over the configured limit (ModelHost:MaxRequestBytes)"
                : e.Message;
            await Problem(context, e.StatusCode, detail).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
        catch (Exception e)
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RestInferenceEndpoints));
            ProtocolLog.UnexpectedError(logger, e);
            await Problem(context, 500, $"internal error: {e.GetType().Name}: {e.Message}").ConfigureAwait(false);
        }
    }

    private static Task Problem(HttpContext context, int status, string detail)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }
        return Json(context, status, w =>
        {
            w.WriteStartObject();
            w.WriteString("type", $"https://httpstatuses.io/{status}");
            w.WriteString("title", ReasonPhrases(status));
            w.WriteNumber("status", status);
            w.WriteString("detail", detail);
            w.WriteString("error", detail);
            w.WriteEndObject();
        }, "application/problem+json");
    }

    private static string ReasonPhrases(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase
        ? phrase
        : "Error";

    internal static async Task Json(HttpContext context, int status, Action<Utf8JsonWriter> write, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        var json = new Utf8JsonWriter(context.Response.BodyWriter);
        await using (json.ConfigureAwait(false))
        {
            write(json);
            await json.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }
}
