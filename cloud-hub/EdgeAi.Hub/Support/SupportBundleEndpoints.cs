using System.Security.Claims;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace EdgeAi.Hub.Support;

/// <summary>
/// Admin REST for support bundles: ask a device for one (POST, 202: the device builds and uploads it in the
/// background), list a device's, read one's status, download a received one. Asking and downloading are audited.
/// </summary>
internal static class SupportBundleEndpoints
{
    public static IEndpointRouteBuilder MapSupportBundleApi(this IEndpointRouteBuilder api)
    {
        api.MapPost("/devices/{id}/bundles", RequestAsync);
        api.MapGet("/devices/{id}/bundles", List);
        api.MapGet("/devices/{id}/bundles/{requestId}", Get);
        api.MapGet("/devices/{id}/bundles/{requestId}/archive", DownloadAsync);
        return api;
    }

    private static async Task<Results<Accepted<SupportBundleInfo>, ProblemHttpResult>> RequestAsync(
        string id, ClaimsPrincipal admin, SupportBundleRequests requests, CancellationToken cancellationToken)
    {
        var outcome = await requests.RequestAsync(id, AuditLog.ActorOf(admin), cancellationToken).ConfigureAwait(false);
        return outcome.Error is { } refusal
            ? HubProblems.Of(refusal)
            : TypedResults.Accepted($"/api/devices/{Uri.EscapeDataString(id)}/bundles/{outcome.Value!.RequestId}", outcome.Value);
    }

    private static Ok<SupportBundleInfo[]> List(string id, SupportBundleStore bundles) =>
        TypedResults.Ok(Common.Sync.SyncTopics.IsValidDeviceId(id) ? bundles.List(id).ToArray() : []);

    private static Results<Ok<SupportBundleInfo>, ProblemHttpResult> Get(string id, string requestId, SupportBundleStore bundles) =>
        bundles.Find(id, requestId) is { } bundle ? TypedResults.Ok(bundle) : NotFound(id, requestId);

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> DownloadAsync(
        string id, string requestId, ClaimsPrincipal admin, SupportBundleStore bundles, AuditLog audit, CancellationToken cancellationToken)
    {
        if (bundles.Find(id, requestId) is not { } bundle)
        {
            return NotFound(id, requestId);
        }
        if (bundle.Status != SupportBundleInfo.Received)
        {
            return HubProblems.Of(Refusal.Conflict("Not received yet",
                $"device '{id}' has not uploaded support bundle {requestId} yet (requested at {bundle.RequestedAt:u}); an offline device sends it when it next connects"));
        }
        await audit.RecordAsync(AuditLog.ActorOf(admin), "device.bundle.download", id, requestId, cancellationToken).ConfigureAwait(false);
        return TypedResults.PhysicalFile(bundles.ArchivePath(id, requestId), "application/gzip", $"support-{id}-{requestId}{SupportBundleStore.ArchiveExtension}");
    }

    private static ProblemHttpResult NotFound(string id, string requestId) =>
        HubProblems.Of(Refusal.NotFound("Unknown support bundle", $"no support bundle '{requestId}' was requested of device '{id}' (cloud-hub devices bundles {id} lists them)"));
}
