using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;

namespace EdgeAi.Hub.Registry;

/// <summary>
/// Keeps the hub's own serving store in step with the registry, so a device that falls back to the
/// hub finds every registered version there. Best effort: a version the hub cannot serve is logged,
/// the registry entry stands.
/// </summary>
internal sealed class HubServingInstaller(ModelStore store, ModelHost host, ILogger<HubServingInstaller> logger)
{
    public void Install(string name, string version, string artifactPath, string sha256)
    {
        try
        {
            var installed = store.List().FirstOrDefault(m => m.Name == name && m.Version == version);
            if (installed?.Manifest?.Sha256 == sha256)
            {
                return;
            }
            if (installed is not null)
            {
                // Installed by hand with other bytes: the registry's signed artifact wins.
                store.Remove(name, version);
            }
            store.Add(artifactPath, name, version);
        }
        catch (Exception e) when (e is ModelStoreException or IOException or UnauthorizedAccessException)
        {
            Log.ServingInstallFailed(logger, name, version, e.Message);
            return;
        }
        // Loading a large model takes a while; the upload's answer does not wait for it. Load never
        // throws: a model the hub cannot run is kept as failed, with its reason logged by the host.
        _ = Task.Run(() => host.Load(name, version, store.ModelPath(name, version)));
    }

    public void Remove(string name, string version)
    {
        try
        {
            store.Remove(name, version);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.ServingInstallFailed(logger, name, version, e.Message);
        }
        host.Unload(name, version);
    }
}
