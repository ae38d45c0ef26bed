using System.Security.Claims;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Http;
using EdgeAi.Hub.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace EdgeAi.Hub.Enrollment;

/// <summary>Admin REST of enrollment: tokens (create, list, revoke) and what an enrolling device needs to know about the hub.</summary>
internal static class EnrollmentEndpoints
{
    public static IEndpointRouteBuilder MapEnrollmentApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/tokens", CreateAsync).WithJsonExample("""{"tags":{"key":"value"}, "uses":10, "expiresIn":"7d"}""");
        api.MapGet("/tokens", ListAsync);
        api.MapDelete("/tokens/{id}", RevokeAsync);
        api.MapGet("/hub", GetHub);
        return api;
    }

    private static async Task<Results<Created<CreatedToken>, ProblemHttpResult>> CreateAsync(
        JsonBody<CreateTokenRequest> body, ClaimsPrincipal admin, EnrollmentTokens tokens, CancellationToken cancellationToken)
    {
        var spec = TokenSyntax.Check(body.Value ?? new CreateTokenRequest(null, null, null));
        if (spec.Error is { } invalid)
        {
            return HubProblems.Of(invalid);
        }
        var created = await tokens.CreateAsync(spec.Value!, AuditLog.ActorOf(admin), cancellationToken).ConfigureAwait(false);
        return TypedResults.Created((string?)null, created);
    }

    private static async Task<Ok<TokenSummary[]>> ListAsync(EnrollmentTokens tokens, CancellationToken cancellationToken) =>
        TypedResults.Ok(await tokens.ListAsync(cancellationToken).ConfigureAwait(false));

    private static async Task<Results<Ok<TokenSummary>, ProblemHttpResult>> RevokeAsync(
        string id, ClaimsPrincipal admin, EnrollmentTokens tokens, CancellationToken cancellationToken) =>
        HubProblems.OkOr(await tokens.RevokeAsync(id, AuditLog.ActorOf(admin), cancellationToken).ConfigureAwait(false));

    private static Ok<HubInfo> GetHub(HubEndpoints endpoints) => TypedResults.Ok(new HubInfo(
        endpoints.Certificate is { } certificate ? HubCertificate.Fingerprint(certificate) : null,
        endpoints.MqttPort > 0 ? endpoints.MqttPort : null,
        endpoints.MqttTlsPort > 0 ? endpoints.MqttTlsPort : null,
        HubHost.Version));
}
