using System.Text.Json;
using EdgeAi.Hub.Admin;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeAi.Hub.Http;

/// <summary>The hub's problem+json answers in one place: refused operations, bad requests and bodies, limits.</summary>
internal static class HubProblems
{
    public static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);

    public static ProblemHttpResult BadRequest(string title, string detail) => Problem(StatusCodes.Status400BadRequest, title, detail);

    /// <summary>A refused operation: invalid 400, unknown 404, not now 409.</summary>
    public static ProblemHttpResult Of(Refusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return Problem(refusal.Kind switch
        {
            RefusalKind.Invalid => StatusCodes.Status400BadRequest,
            RefusalKind.NotFound => StatusCodes.Status404NotFound,
            _ => StatusCodes.Status409Conflict,
        }, refusal.Title, refusal.Detail);
    }

    /// <summary>The value as 200 JSON, or the refusal as its problem.</summary>
    public static Results<Ok<T>, ProblemHttpResult> OkOr<T>(Outcome<T> outcome) =>
        outcome.Error is { } refusal ? Of(refusal) : TypedResults.Ok(outcome.Value!);

    /// <summary>What was wrong with a JSON body, and where, with an example of a good one.</summary>
    public static string BadJson(JsonException error, string? example)
    {
        ArgumentNullException.ThrowIfNull(error);
        var why = error.Message.Split(" Path:", 2)[0];
        var where = error.Path is { Length: > 1 } path ? $" at {path}" : "";
        return $"the body must be JSON{Like(example)}: {why}{where}";
    }

    private static string Like(string? example) => example is null ? "" : $" like {example}";
}
