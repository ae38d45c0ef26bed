using System.Security.Claims;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Registry;

/// <summary>Admin REST routes of the model registry: upload (raw ONNX body, streamed), list, show, delete; and per version its variants (upload, list, delete, accuracy report).</summary>
internal static class RegistryEndpoints
{
    private const string VersionRoute = "/models/{name}/versions/{version}";
    private const string VariantRoute = VersionRoute + "/variants/{variant}";

    private static readonly BodyLimit ReportLimit = new(ModelRegistry.MaxReportBytes, "Report too large",
        $"an accuracy report may be at most {ModelRegistry.MaxReportBytes} bytes of JSON");

    public static IEndpointRouteBuilder MapRegistryApi(this IEndpointRouteBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var options = api.ServiceProvider.GetRequiredService<IOptions<RegistryOptions>>().Value;
        // Kestrel's limit fits inference requests and the admin API's small JSON; artifacts are far larger, and only this route takes them.
        api.MapPost(VersionRoute, PushAsync).WithMetadata(ArtifactLimit(options.MaxArtifactBytes));
        api.MapGet("/models", ListAsync);
        api.MapGet(VersionRoute, GetAsync);
        api.MapDelete(VersionRoute, DeleteAsync);
        api.MapPost(VariantRoute, AddVariantAsync).WithMetadata(ArtifactLimit(options.MaxArtifactBytes));
        api.MapGet(VersionRoute + "/variants", ListVariantsAsync);
        api.MapDelete(VariantRoute, DeleteVariantAsync);
        api.MapPut(VariantRoute + "/report", PutReportAsync).WithMetadata(ReportLimit);
        return api;
    }

    /// <summary>
    /// Streams the body into the registry as it arrives (never buffered whole). A declared length over
    /// the limit is refused before a byte is read, so a client that sent <c>Expect: 100-continue</c>
    /// never uploads it.
    /// </summary>
    private static Task<Results<Created<ModelView>, ProblemHttpResult, EmptyHttpResult>> PushAsync(
        string name, string version, HttpRequest request, ClaimsPrincipal admin, ModelRegistry registry, IOptions<RegistryOptions> options,
        CancellationToken cancellationToken) =>
        UploadAsync(request, options.Value, (body, ct) => registry.PushAsync(name, version, body, AuditLog.ActorOf(admin), ct),
            $"/api/models/{Uri.EscapeDataString(name)}/versions/{Uri.EscapeDataString(version)}", cancellationToken);

    /// <summary>An int8 or fp16 artifact of a registered version, streamed like a push; its interface must be the version's.</summary>
    private static Task<Results<Created<VariantView>, ProblemHttpResult, EmptyHttpResult>> AddVariantAsync(
        string name, string version, string variant, HttpRequest request, ClaimsPrincipal admin, ModelRegistry registry, IOptions<RegistryOptions> options,
        CancellationToken cancellationToken) =>
        UploadAsync(request, options.Value, (body, ct) => registry.AddVariantAsync(name, version, variant, body, AuditLog.ActorOf(admin), ct),
            $"/api/models/{Uri.EscapeDataString(name)}/versions/{Uri.EscapeDataString(version)}/variants/{Uri.EscapeDataString(variant)}", cancellationToken);

    /// <summary>
    /// Streams the body into the registry as it arrives (never buffered whole). A declared length over
    /// the limit is refused before a byte is read, so a client that sent <c>Expect: 100-continue</c>
    /// never uploads it.
    /// </summary>
    private static async Task<Results<Created<T>, ProblemHttpResult, EmptyHttpResult>> UploadAsync<T>(
        HttpRequest request, RegistryOptions options, Func<Stream, CancellationToken, Task<Outcome<T>>> store, string location, CancellationToken cancellationToken)
    {
        var limit = ArtifactLimit(options.MaxArtifactBytes);
        if (request.ContentLength > limit.Bytes)
        {
            return limit.Problem();
        }
        if (request.ContentType is { Length: > 0 } type && !type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return HubProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"send the ONNX file's raw bytes with Content-Type application/octet-stream, not '{type}' (curl: --data-binary @model.onnx -H 'Content-Type: application/octet-stream')");
        }
        Outcome<T> outcome;
        try
        {
            outcome = await store(request.Body, cancellationToken).ConfigureAwait(false);
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
        return TypedResults.Created(location, outcome.Value);
    }

    private static async Task<Results<Ok<VariantView[]>, ProblemHttpResult>> ListVariantsAsync(string name, string version, ModelRegistry registry, CancellationToken cancellationToken) =>
        HubProblems.OkOr(await registry.ListVariantsAsync(name, version, cancellationToken).ConfigureAwait(false));

    private static async Task<Results<Ok<VariantView>, ProblemHttpResult>> DeleteVariantAsync(
        string name, string version, string variant, ClaimsPrincipal admin, ModelRegistry registry, CancellationToken cancellationToken) =>
        HubProblems.OkOr(await registry.DeleteVariantAsync(name, version, variant, AuditLog.ActorOf(admin), cancellationToken).ConfigureAwait(false));

    /// <summary>The accuracy report (the quantizer's JSON) of a variant, stored as sent.</summary>
    private static async Task<Results<Ok<VariantView>, ProblemHttpResult>> PutReportAsync(
        string name, string version, string variant, HttpRequest request, ClaimsPrincipal admin, ModelRegistry registry, CancellationToken cancellationToken)
    {
        if (request.ContentLength > ReportLimit.Bytes)
        {
            return ReportLimit.Problem();
        }
        string json;
        try
        {
            using var reader = new StreamReader(request.Body);
            json = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return ReportLimit.Problem();
        }
        return HubProblems.OkOr(await registry.PutReportAsync(name, version, variant, json, AuditLog.ActorOf(admin), cancellationToken).ConfigureAwait(false));
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
