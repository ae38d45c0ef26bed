using EdgeAi.Agent.Cloud;
using EdgeAi.Common.Inference;
using Grpc.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Health;

/// <summary>
/// Whether the hub answers ServerLive on the fallback channel (Cloud:HubUrl) within one attempt's timeout. Offline is
/// Degraded, never Unhealthy: the agent keeps serving its local models, and the outbox keeps what it must send.
/// </summary>
internal sealed class HubConnectivityCheck(HubChannel hub, IOptions<CloudOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var cloud = options.Value;
        if (hub.Channel is not { } channel)
        {
            return Evaluate(null, null);
        }
        try
        {
            var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
            var live = await client.ServerLiveAsync(new ServerLiveRequest(), hub.Headers, DateTime.UtcNow + cloud.AttemptTimeout, cancellationToken).ConfigureAwait(false);
            return Evaluate(cloud.HubUrl, live.Live ? null : "it answered that it is not live");
        }
        catch (RpcException e)
        {
            return Evaluate(cloud.HubUrl, $"{e.StatusCode}: {e.Status.Detail}");
        }
    }

    /// <summary>The result for a hub at <paramref name="url"/> (null: none configured) that failed with <paramref name="failure"/> (null: it answered).</summary>
    internal static HealthCheckResult Evaluate(string? url, string? failure)
    {
        if (url is null)
        {
            return HealthCheckResult.Healthy("no hub configured (Cloud:HubUrl): requests are served locally only");
        }
        var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["hub"] = url };
        return failure is null
            ? HealthCheckResult.Healthy($"the hub at {url} is live", data)
            : HealthCheckResult.Degraded($"the hub at {url} is not reachable ({failure}); local models still serve, cloud fallback waits for it", data: data);
    }
}
