using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace EdgeAi.Hub.Http;

/// <summary>
/// Answers a request body the endpoint could not take with a problem that says what was wrong: not
/// the expected JSON (<see cref="JsonBody{T}"/>, quoting the endpoint's <see cref="JsonBodyExample"/>),
/// or over the endpoint's <see cref="BodyLimit"/> (Kestrel's 413, naming the limit).
/// </summary>
internal sealed class BadRequestProblems(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
        {
            return false;
        }
        // The middleware has cleared the request's endpoint by now; its feature keeps the one that threw.
        var metadata = httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint?.Metadata;
        var (status, title, detail) = bad switch
        {
            { InnerException: JsonException json } =>
                (StatusCodes.Status400BadRequest, "Bad JSON", HubProblems.BadJson(json, metadata?.GetMetadata<JsonBodyExample>()?.Example)),
            { StatusCode: StatusCodes.Status413PayloadTooLarge } when metadata?.GetMetadata<BodyLimit>() is { } limit => (bad.StatusCode, limit.Title, limit.Detail),
            _ => (bad.StatusCode, "Bad request", bad.Message),
        };
        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        }).ConfigureAwait(false);
    }
}
