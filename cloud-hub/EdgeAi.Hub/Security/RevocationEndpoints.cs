using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace EdgeAi.Hub.Security;

/// <summary>POST /api/devices/{id}/revoke: refuses a device on gRPC and MQTT from now on.</summary>
internal static class RevocationEndpoints
{
    public static IEndpointRouteBuilder MapRevocationApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/devices/{id}/revoke", RevokeAsync);
        return api;
    }

    private static async Task<Results<Ok<RevokedDevice>, ProblemHttpResult>> RevokeAsync(
        string id, ClaimsPrincipal admin, DeviceRevocation revocation, CancellationToken cancellationToken) =>
        HubProblems.OkOr(await revocation.RevokeAsync(id, AuditLog.ActorOf(admin), cancellationToken).ConfigureAwait(false));
}

internal sealed record RevokedDevice(string Id, DateTimeOffset RevokedAt);

/// <summary>Security JSON of the admin API, source-generated.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RevokedDevice))]
internal sealed partial class SecurityJson : JsonSerializerContext;
