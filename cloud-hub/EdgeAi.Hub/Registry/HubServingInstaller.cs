using System.Collections.Concurrent;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;

namespace EdgeAi.Hub.Registry;

/// <summary>
/// Keeps the hub's own serving store in step with the registry, so a device that falls back to the
/// hub finds every registered version there. Best effort: a version the hub cannot serve is logged,
/// the registry entry stands. Installing copies and loads the artifact, which takes a while for a
/// large model, so it runs in the background; installs and removals take turns. Disposing waits for the
/// installs under way: the hub's services (the store, the host) must not go while one still writes and loads.
/// </summary>
internal sealed class HubServingInstaller(ModelStore store, ModelHost host, ILogger<HubServingInstaller> logger) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<(string Name, string Version), Task> _installing = new();

    /// <summary>Starts installing; the returned task ends when the hub has loaded (or failed to load) the version. It never faults.</summary>
    public Task InstallAsync(string name, string version, string artifactPath, string sha256)
    {
        var key = (name, version);
        var task = Task.Run(() => Install(name, version, artifactPath, sha256));
        _installing[key] = task;
        _ = task.ContinueWith(done => _installing.TryRemove(new KeyValuePair<(string, string), Task>(key, done)), CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    /// <summary>Removes the version from the hub's store and host, after an install of it still under way.</summary>
    public async Task RemoveAsync(string name, string version)
    {
        if (_installing.TryGetValue((name, version), out var pending))
        {
            await pending.ConfigureAwait(false);
        }
        lock (_gate)
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

    public async ValueTask DisposeAsync() => await Task.WhenAll(_installing.Values).ConfigureAwait(false);

    private void Install(string name, string version, string artifactPath, string sha256)
    {
        lock (_gate)
        {
            try
            {
                var installed = store.List().FirstOrDefault(m => m.Name == name && m.Version == version);
                if (installed?.Manifest?.Sha256 != sha256)
                {
                    if (installed is not null)
                    {
                        // Installed by hand with other bytes: the registry's signed artifact wins.
                        store.Remove(name, version);
                    }
                    store.Add(artifactPath, name, version);
                }
            }
            catch (Exception e) when (e is ModelStoreException or IOException or UnauthorizedAccessException)
            {
                Log.ServingInstallFailed(logger, name, version, e.Message);
                return;
            }
            // Never throws: a model the hub cannot run is kept as failed, with its reason logged by the host.
            host.Load(name, version, store.ModelPath(name, version));
        }
    }
}
