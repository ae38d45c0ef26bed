using System.Security.Claims;
using System.Text.Json;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace EdgeAi.Hub.Twin;

/// <summary>Admin REST of the device twin: its desired configuration (PUT) and the desired state the hub publishes to it (GET).</summary>
internal static class TwinEndpoints
{
    public static IEndpointRouteBuilder MapTwinApi(this IEndpointRouteBuilder api)
    {
        api.MapPut("/devices/{id}/config", PutConfigAsync)
            .WithJsonExample("""{"Telemetry:SampleRate": "0.1", "Routing:Models:classifier:ConfidenceThreshold": "0.8"}""");
        api.MapGet("/devices/{id}/desired", GetDesiredAsync);
        return api;
    }

    private static async Task<Results<Ok<DesiredView>, ProblemHttpResult>> PutConfigAsync(
        string id, JsonBody<Dictionary<string, JsonElement>> body, ClaimsPrincipal admin, DeviceTwin twin, CancellationToken cancellationToken)
    {
        var config = TwinConfig.Parse(body.Value ?? []);
        if (config.Error is { } invalid)
        {
            return HubProblems.Of(invalid);
        }
        return HubProblems.OkOr(await twin.SetConfigAsync(id, config.Value!, AuditLog.ActorOf(admin), cancellationToken).ConfigureAwait(false));
    }

    private static async Task<Results<Ok<DesiredView>, ProblemHttpResult>> GetDesiredAsync(string id, DeviceTwin twin, CancellationToken cancellationToken) =>
        HubProblems.OkOr(await twin.GetDesiredAsync(id, cancellationToken).ConfigureAwait(false));
}
