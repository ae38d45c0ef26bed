using EdgeAi.Common.Inference;
using EdgeAi.Serving.Runtime;

namespace EdgeAi.Serving.Statistics;

/// <summary>
/// The statistics extension's answer: the figures of every ready model version the host serves, of one
/// model's, or of one version's. Only ready versions have statistics (Triton reports loaded models only):
/// a model or version that is unknown, failed or unloaded is NOT_FOUND, with what there is instead.
/// </summary>
internal static class StatisticsReport
{
    public static ModelStatisticsResponse For(ModelHost host, string? name, string? version)
    {
        var response = new ModelStatisticsResponse();
        var ready = host.Models.Where(m => m.State == ModelState.Ready);
        if (string.IsNullOrEmpty(name))
        {
            response.ModelStats.AddRange(ready
                .OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.Version, ModelVersions.Comparer)
                .Select(m => m.Counters.Snapshot(m.Name, m.Version)));
            return response;
        }
        var versions = host.Models.Where(m => m.Name == name).ToList();
        if (versions.Count == 0)
        {
            throw new InferenceException(InferenceError.NotFound, $"model '{name}' is not loaded on this server; only loaded models have statistics");
        }
        var selected = versions.Where(m => m.State == ModelState.Ready && (string.IsNullOrEmpty(version) || m.Version == version))
            .OrderBy(m => m.Version, ModelVersions.Comparer)
            .ToList();
        if (selected.Count == 0)
        {
            var readyVersions = versions.Where(m => m.State == ModelState.Ready).Select(m => m.Version).ToList();
            throw new InferenceException(InferenceError.NotFound, string.IsNullOrEmpty(version)
                ? $"model '{name}' has no ready version ({Reasons(versions)}); only loaded models have statistics"
                : $"model '{name}' version '{version}' is not loaded and ready; ready versions: {(readyVersions.Count == 0 ? "none" : string.Join(", ", readyVersions))}");
        }
        response.ModelStats.AddRange(selected.Select(m => m.Counters.Snapshot(m.Name, m.Version)));
        return response;
    }

    private static string Reasons(IEnumerable<ModelInstance> versions) =>
        string.Join("; ", versions.Select(v => $"version {v.Version}: {v.FailureReason ?? v.State.ToString().ToLowerInvariant()}"));
}
