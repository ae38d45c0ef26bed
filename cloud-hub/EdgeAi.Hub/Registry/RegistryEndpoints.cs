using System.Security.Claims;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Registry;

/// <summary>Admin REST routes of the model registry: upload (raw ONNX body, streamed), list, show, delete.</summary>
internal static class RegistryEndpoints
{
    private const string VersionRoute = "/models/{name}/versions/{version}";

    public static IEndpointRouteBuilder MapRegistryApi(this IEndpointRouteBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var options = api.ServiceProvider.GetRequiredService<IOptions<RegistryOptions>>().Value;
        // Kestrel's limit fits inference requests and the admin API's small JSON; artifacts are far larger, and only this route takes them.
        api.MapPost(VersionRoute, PushAsync).WithMetadata(ArtifactLimit(options.MaxArtifactBytes));
        api.MapGet("/models", ListAsync);
        api.MapGet(VersionRoute, GetAsync);
        api.MapDelete(VersionRoute, DeleteAsync);
        return api;
    }

    /// <summary>
    /// Streams the body into the registry as it arrives (never buffered whole). A declared length over
    /// the limit is refused before a byte is read, so a client that sent <c>Expect: 100-continue</c>
    /// never uploads it.
    /// </summary>
    private static async Task<Results<Created<ModelView>, ProblemHttpResult, EmptyHttpResult>> PushAsync(
        string name, string version, HttpRequest request, ClaimsPrincipal admin, ModelRegistry registry, IOptions<RegistryOptions> options,
        CancellationToken cancellationToken)
    {
        var limit = ArtifactLimit(options.Value.MaxArtifactBytes);
        if (request.ContentLength > limit.Bytes)
        {
            return limit.Problem();
        }
        if (request.ContentType is { Length: > 0 } type && !type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return HubProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"send the ONNX file's raw bytes with Content-Type application/octet-stream, not '{type}' (curl: --data-binary @model.onnx -H 'Content-Type: application/octet-stream')");
        }
        Outcome<ModelView> outcome;
        try
        {
            outcome = await registry.PushAsync(name, version, request.Body, AuditLog.ActorOf(admin), cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return limit.Problem();
        }
        catch (BadHttpRequestException e)
        {
            // E.g. the client stopped sending before Content-Length bytes: nothing was registered.
            return HubProblems.Problem(e.StatusCode, "Upload incomplete", $"the upload was cut short: {e.Message}");
        }
        catch (Exception e) when ((e is IOException or OperationCanceledException) && cancellationToken.IsCancellationRequested)
        {
            // The client went away mid-upload; the scratch file is already gone and nobody is left to answer.
            return TypedResults.Empty;
        }
        if (outcome.Error is { } refused)
        {
            return HubProblems.Of(refused);
        }
        return TypedResults.Created($"/api/models/{Uri.EscapeDataString(name)}/versions/{Uri.EscapeDataString(version)}", outcome.Value);
    }

    private static async Task<Ok<ModelView[]>> ListAsync(ModelRegistry registry, CancellationToken cancellationToken) =>
        TypedResults.Ok(await registry.ListAsync(cancellationToken).ConfigureAwait(false));

    private static async Task<Results<Ok<ModelView>, ProblemHttpResult>> GetAsync(string name, string version, ModelRegistry registry, CancellationToken cancellationToken) =>
        HubProblems.OkOr(await registry.GetAsync(name, version, cancellationToken).ConfigureAwait(false));

    private static async Task<Results<Ok<ModelView>, ProblemHttpResult>> DeleteAsync(
        string name, string version, ClaimsPrincipal admin, ModelRegistry registry, CancellationToken cancellationToken) =>
        HubProblems.OkOr(await registry.DeleteAsync(name, version, AuditLog.ActorOf(admin), cancellationToken).ConfigureAwait(false));

    private static BodyLimit ArtifactLimit(long max) => new(max, "Artifact too large",
        $"the artifact is larger than Hub:Registry:MaxArtifactBytes ({max} bytes); raise that limit on the hub to register it");
}
