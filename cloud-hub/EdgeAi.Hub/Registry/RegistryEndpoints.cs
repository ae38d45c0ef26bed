using EdgeAi.Hub.Admin;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Registry;

/// <summary>Admin REST routes of the model registry: upload (raw ONNX body), list, show, delete.</summary>
internal static class RegistryEndpoints
{
    private const string VersionRoute = "/api/models/{name}/versions/{version}";

    public static IEndpointRouteBuilder MapModelRegistry(this IEndpointRouteBuilder app)
    {
        app.MapPost(VersionRoute, PushAsync);
        app.MapGet("/api/models", ListAsync);
        app.MapGet(VersionRoute, GetAsync);
        app.MapDelete(VersionRoute, DeleteAsync);
        return app;
    }

    private static async Task PushAsync(HttpContext context)
    {
        var (name, version) = Route(context);
        var max = context.RequestServices.GetRequiredService<IOptions<RegistryOptions>>().Value.MaxArtifactBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            // Kestrel's global limit fits inference requests; artifacts are far larger, and only this route takes them.
            limit.MaxRequestBodySize = max;
        }
        if (context.Request.ContentLength > max)
        {
            await TooLarge(context, max).ConfigureAwait(false);
            return;
        }
        if (context.Request.ContentType is { Length: > 0 } type && !type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            await AdminResults.Problem(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"send the ONNX file's raw bytes with Content-Type application/octet-stream, not '{type}' (curl: --data-binary @model.onnx -H 'Content-Type: application/octet-stream')").ConfigureAwait(false);
            return;
        }
        AdminOutcome<ModelView> outcome;
        try
        {
            outcome = await context.RequestServices.GetRequiredService<ModelRegistry>()
                .PushAsync(name, version, context.Request.Body, AuditLog.ActorOf(context), context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await TooLarge(context, max).ConfigureAwait(false);
            return;
        }
        catch (BadHttpRequestException e)
        {
            // E.g. the client stopped sending before Content-Length bytes: nothing was registered.
            await AdminResults.Problem(context, e.StatusCode, "Upload incomplete", $"the upload was cut short: {e.Message}").ConfigureAwait(false);
            return;
        }
        catch (Exception e) when ((e is IOException or OperationCanceledException) && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away mid-upload; the scratch file is already gone and nobody is left to answer.
            return;
        }
        if (outcome.Value is { } created)
        {
            context.Response.StatusCode = StatusCodes.Status201Created;
            context.Response.Headers.Location = $"/api/models/{Uri.EscapeDataString(name)}/versions/{Uri.EscapeDataString(version)}";
        }
        await Write(context, outcome).ConfigureAwait(false);
    }

    private static async Task ListAsync(HttpContext context)
    {
        var models = await context.RequestServices.GetRequiredService<ModelRegistry>().ListAsync(context.RequestAborted).ConfigureAwait(false);
        await AdminResults.Json(context, models, RegistryJson.Default.ModelViewArray).ConfigureAwait(false);
    }

    private static async Task GetAsync(HttpContext context)
    {
        var (name, version) = Route(context);
        await Write(context, await context.RequestServices.GetRequiredService<ModelRegistry>().GetAsync(name, version, context.RequestAborted).ConfigureAwait(false))
            .ConfigureAwait(false);
    }

    private static async Task DeleteAsync(HttpContext context)
    {
        var (name, version) = Route(context);
        var outcome = await context.RequestServices.GetRequiredService<ModelRegistry>()
            .DeleteAsync(name, version, AuditLog.ActorOf(context), context.RequestAborted).ConfigureAwait(false);
        await Write(context, outcome).ConfigureAwait(false);
    }

    private static Task Write(HttpContext context, AdminOutcome<ModelView> outcome) =>
        outcome.Error is { } error
            ? AdminResults.Problem(context, error.Status, error.Title, error.Detail)
            : AdminResults.Json(context, outcome.Value!, RegistryJson.Default.ModelView);

    private static Task TooLarge(HttpContext context, long max) =>
        AdminResults.Problem(context, StatusCodes.Status413PayloadTooLarge, "Artifact too large",
            $"the artifact is larger than Hub:Registry:MaxArtifactBytes ({max} bytes); raise that limit on the hub to register it");

    private static (string Name, string Version) Route(HttpContext context) =>
        ((string)context.Request.RouteValues["name"]!, (string)context.Request.RouteValues["version"]!);
}
