using EdgeAi.Serving.Runtime;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EdgeAi.Serving.Health;

/// <summary>
/// Readiness of every installed model, one data entry per model: ready (which version, on which provider), loading, or
/// failed with the reason. Unhealthy when a model has no version that loaded; Degraded while one is still loading.
/// </summary>
public sealed class ModelReadinessCheck(ModelHost host) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var failed = new List<string>();
        var loading = new List<string>();
        foreach (var model in host.Models.GroupBy(m => m.Name, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            if (model.Where(v => v.State == ModelState.Ready).OrderByDescending(v => v.Version, StringComparer.Ordinal).FirstOrDefault() is { } ready)
            {
                data[model.Key] = $"ready: version {ready.Version} on {ready.ExecutionProvider}";
            }
            else if (model.FirstOrDefault(v => v.State == ModelState.Loading) is { } pending)
            {
                data[model.Key] = $"loading: version {pending.Version}";
                loading.Add(model.Key);
            }
            else
            {
                var last = model.OrderByDescending(v => v.Version, StringComparer.Ordinal).First();
                data[model.Key] = $"failed: version {last.Version}: {last.FailureReason}";
                failed.Add(model.Key);
            }
        }
        var result = failed.Count > 0
            ? HealthCheckResult.Unhealthy($"{failed.Count} of {data.Count} models failed to load: {string.Join(", ", failed)}", data: data)
            : loading.Count > 0
                ? HealthCheckResult.Degraded($"{loading.Count} of {data.Count} models still loading: {string.Join(", ", loading)}", data: data)
                : HealthCheckResult.Healthy(data.Count == 0 ? "no models installed" : $"all {data.Count} models loaded", data);
        return Task.FromResult(result);
    }
}
