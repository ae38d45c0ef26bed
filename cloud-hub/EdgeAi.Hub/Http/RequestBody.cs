using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;

namespace EdgeAi.Hub.Http;

/// <summary>
/// The largest body an endpoint (or a group of them) reads, and the 413 problem that names the limit.
/// Endpoint metadata: routing applies the size (<see cref="IRequestSizeLimitMetadata"/>) before the
/// endpoint reads a byte; a body that runs over it while being read is answered with this
/// explanation (<see cref="BadRequestProblems"/>).
/// </summary>
internal sealed record BodyLimit(long Bytes, string Title, string Detail) : IRequestSizeLimitMetadata
{
    long? IRequestSizeLimitMetadata.MaxRequestBodySize => Bytes;

    public ProblemHttpResult Problem() => HubProblems.Problem(StatusCodes.Status413PayloadTooLarge, Title, Detail);
}

/// <summary>An example of the JSON body an endpoint takes, quoted when a body is refused.</summary>
internal sealed record JsonBodyExample(string Example);

internal static class RequestBodyConventions
{
    /// <summary>Quotes <paramref name="example"/> in the 400 that an empty, malformed or mistyped body gets.</summary>
    public static RouteHandlerBuilder WithJsonExample(this RouteHandlerBuilder builder, string example) => builder.WithMetadata(new JsonBodyExample(example));
}
