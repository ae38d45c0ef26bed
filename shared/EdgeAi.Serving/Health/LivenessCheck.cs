using EdgeAi.Serving.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EdgeAi.Serving.Health;

/// <summary>
/// Liveness: the process is up and answering HTTP. A supervised loop that keeps failing is restarted by the
/// <see cref="LoopSupervisor"/>, not by killing the process, so the restarts are reported as data, not as unhealthy.
/// </summary>
public sealed class LivenessCheck(LoopSupervisor loops) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = loops.Restarts.ToDictionary(r => "restarts_" + r.Key, r => (object)r.Value, StringComparer.Ordinal);
        return Task.FromResult(HealthCheckResult.Healthy("the process is up and serving", data));
    }
}
