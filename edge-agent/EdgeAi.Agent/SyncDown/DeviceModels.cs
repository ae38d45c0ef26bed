using EdgeAi.Common.Fleet;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;

namespace EdgeAi.Agent.SyncDown;

/// <summary>
/// The device side of a reconcile: what the device has of each model (the planner's "current"), and the
/// switches the reconciler throws on it once a candidate is ready — activate, prune, deactivate — all
/// through the <see cref="ModelLoader"/>, whose lock keeps its rescans from seeing half a swap.
/// </summary>
internal sealed class DeviceModels(ModelLoader loader, ModelHost host, ILogger<DeviceModels> logger)
{
    /// <summary>What the device has of every model it knows or is asked for.</summary>
    public Dictionary<string, ModelView> Current(DesiredState desired)
    {
        ArgumentNullException.ThrowIfNull(desired);
        var stored = loader.Store.List().Where(m => m.Manifest is not null).ToList();
        var installed = stored
            .GroupBy(m => m.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyCollection<string>)[.. g.Select(m => m.Version)], StringComparer.Ordinal);
        var variants = stored
            .GroupBy(m => m.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, string>)g.ToDictionary(m => m.Version, m => ModelVariants.Normalize(m.Manifest!.Variant), StringComparer.Ordinal), StringComparer.Ordinal);
        var names = installed.Keys.Concat(host.Models.Select(m => m.Name)).Concat(desired.Models.Select(m => m.Name))
            .Where(ModelStore.IsValidName)
            .ToHashSet(StringComparer.Ordinal);
        return names.ToDictionary(
            n => n,
            n => new ModelView(n, loader.Serving(n), loader.Store.ReadActive(n), installed.GetValueOrDefault(n) ?? [], variants.GetValueOrDefault(n), loader.IsUnloadedByRequest(n)),
            StringComparer.Ordinal);
    }

    /// <summary>Makes the loaded, smoke-tested candidate the version requests get (persisted first); remembers the one it replaced.</summary>
    public void Activate(ModelCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        candidate.Previous = loader.Activate(candidate.Name, candidate.Version);
        candidate.Activated = true;
    }

    /// <summary>Deletes installed versions other than the one serving and the one it replaced.</summary>
    public void Prune(ModelCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var removed = loader.Prune(candidate.Name, [.. new[] { candidate.Version, candidate.Previous }.OfType<string>()]);
        if (removed.Count > 0)
        {
            SyncDownLog.Pruned(logger, candidate.Name, string.Join(", ", removed));
        }
    }

    /// <summary>Stops serving a model no longer desired; its last version's files stay for a rollback.</summary>
    public void Deactivate(string model, string version)
    {
        loader.Deactivate(model);
        SyncDownLog.Deactivated(logger, model, version);
    }
}
