using EdgeAi.Common.Inference;
using EdgeAi.Serving.Hosting;
using EdgeAi.Serving.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeAi.Serving.Store;

/// <summary>
/// Keeps the model host in step with the model store: loads installed versions at start (the agent
/// is ready once each has been tried), then picks up versions added or removed while running. A
/// version whose file no longer matches its checksum is reported failed, never loaded.
/// For a model with a persisted active version (<see cref="ModelStore.ReadActive"/>) only that
/// version is loaded and made active; a deactivated one is not loaded; a model without one loads
/// every version and the newest serves. The fleet reconciler changes models only through the
/// methods below, which hold the same lock as the rescan, so a rescan never sees half a swap.
/// </summary>
public sealed class ModelLoader : BackgroundService
{
    private readonly ModelStore _store;
    private readonly ModelHost _host;
    private readonly TimeProvider _time;
    private readonly TimeSpan _rescanInterval;
    private readonly ILogger<ModelLoader> _logger;
    private readonly LoopSupervisor? _supervisor;
    private readonly TaskCompletionSource _initialLoad = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();

    // Models an operator unloaded (the model repository extension): rescans leave them alone until a load
    // request, a fleet activation or a restart. In memory only, as Triton's explicit unloads are.
    private readonly HashSet<string> _unloaded = new(StringComparer.Ordinal);

    /// <param name="supervisor">Restarts the rescan loop when it throws (a store directory gone unreadable must not stop the host); null runs it unsupervised.</param>
    public ModelLoader(ModelStore store, ModelHost host, TimeProvider time, TimeSpan rescanInterval, ILogger<ModelLoader> logger, LoopSupervisor? supervisor = null)
    {
        _store = store;
        _host = host;
        _time = time;
        _rescanInterval = rescanInterval;
        _logger = logger;
        _supervisor = supervisor;
    }

    public bool InitialLoadDone => _initialLoad.Task.IsCompleted;

    public Task InitialLoad => _initialLoad.Task;

    public ModelStore Store => _store;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _supervisor is null ? RunAsync(stoppingToken) : _supervisor.RunAsync("model-loader", RunAsync, stoppingToken);

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        // Yield so host start-up (Kestrel binding) is not held up by model loading.
        await Task.Yield();
        try
        {
            Sync();
        }
        finally
        {
            _initialLoad.TrySetResult();
        }
        Runtime.Log.ModelsLoaded(_logger, _host.Models.Count(m => m.State == ModelState.Ready), _host.Models.Count);

        using var timer = new PeriodicTimer(_rescanInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Sync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Loads what the store wants served and the host lacks, unloads what the store no longer has.</summary>
    public void Sync()
    {
        lock (_gate)
        {
            var stored = _store.List();
            var loaded = _host.Models.ToDictionary(m => (m.Name, m.Version));
            foreach (var versions in stored.GroupBy(m => m.Name, StringComparer.Ordinal).Where(g => !_unloaded.Contains(g.Key)))
            {
                var active = _store.ReadActive(versions.Key);
                if (active is { Length: > 0 } && !versions.Any(v => v.Version == active))
                {
                    active = null; // the active version's files are gone: serve what is there rather than nothing
                }
                foreach (var model in versions.Where(v => (active is null || v.Version == active) && !loaded.ContainsKey((v.Name, v.Version))))
                {
                    LoadChecked(model);
                }
                if (active is { Length: > 0 } && _host.ActiveVersion(versions.Key) != active
                    && _host.Models.Any(m => m.Name == versions.Key && m.Version == active && m.State == ModelState.Ready))
                {
                    _host.SetActive(versions.Key, active);
                }
            }
            var present = stored.Select(m => (m.Name, m.Version)).ToHashSet();
            foreach (var gone in loaded.Keys.Where(k => !present.Contains(k)))
            {
                _host.Unload(gone.Name, gone.Version);
            }
        }
    }

    /// <summary>Whether an operator unloaded the model and nothing has loaded it since (rescans leave it alone).</summary>
    public bool IsUnloadedByRequest(string name)
    {
        lock (_gate)
        {
            return _unloaded.Contains(name);
        }
    }

    /// <summary>
    /// Stops serving every version of a model on an operator's request; in-flight requests finish. The
    /// versions stay listed as not ready ("unloaded") and rescans do not load the model back until
    /// <see cref="LoadByRequest"/>, a fleet activation, or a restart. Throws NotFound for a model neither
    /// installed nor loaded.
    /// </summary>
    public void UnloadByRequest(string name)
    {
        lock (_gate)
        {
            if (_host.VersionsOf(name).Count == 0 && !_store.List().Any(m => m.Name == name))
            {
                throw new InferenceException(InferenceError.NotFound, $"model '{name}' is neither loaded nor in the model store; nothing to unload");
            }
            _unloaded.Add(name);
            _host.MarkUnloaded(name, UnloadedReason);
            Runtime.Log.UnloadedByRequest(_logger, name);
        }
    }

    /// <summary>The reason an operator-unloaded version reports.</summary>
    public const string UnloadedReason = "unloaded";

    /// <summary>
    /// Loads (or reloads) a model's versions from the store on an operator's request, as a rescan would
    /// (only the persisted active version where one is set), and lets rescans manage it again. Returns the
    /// instances it loaded; a version that failed says why. Throws NotFound for a model not in the store and
    /// Unavailable for one the fleet deactivated.
    /// </summary>
    public IReadOnlyList<ModelInstance> LoadByRequest(string name)
    {
        lock (_gate)
        {
            var versions = _store.List().Where(m => m.Name == name).ToList();
            if (versions.Count == 0)
            {
                throw new InferenceException(InferenceError.NotFound, $"model '{name}' is not in the model store ({_store.Root}); install it there first");
            }
            var active = _store.ReadActive(name);
            if (active is { Length: 0 })
            {
                throw new InferenceException(
                    InferenceError.Unavailable,
                    $"model '{name}' was deactivated by its fleet deployment; deploy it from the hub (or activate a version) to serve it");
            }
            if (active is not null && !versions.Any(v => v.Version == active))
            {
                active = null;
            }
            _unloaded.Remove(name);
            var loaded = versions.Where(v => active is null || v.Version == active).Select(LoadChecked).ToList();
            foreach (var stale in _host.VersionsOf(name).Where(v => !loaded.Any(l => l.Version == v)))
            {
                _host.Unload(name, stale);
            }
            if (active is not null && loaded.Any(l => l.State == ModelState.Ready))
            {
                _host.SetActive(name, active);
            }
            return loaded;
        }
    }

    /// <summary>
    /// Installs a verified file as a new version without serving it. A model that had no persisted
    /// active version gets the one serving now pinned first, so the new version does not start serving
    /// merely by being the newest.
    /// </summary>
    public StoredModel Install(string sourcePath, string name, string version) => Install(sourcePath, name, version, null);

    /// <summary>Installs one variant of a version (see <see cref="Install(string, string, string)"/>); null is fp32.</summary>
    public StoredModel Install(string sourcePath, string name, string version, string? variant)
    {
        lock (_gate)
        {
            Pin(name);
            return _store.Add(sourcePath, name, version, null, variant);
        }
    }

    /// <summary>
    /// Opens another variant of an installed version from a verified file without serving it, so it can be
    /// smoke-tested while the installed variant keeps serving; <see cref="Replace"/> then swaps it in.
    /// </summary>
    public ModelInstance PrepareReplacement(string sourcePath, string name, string version, string variant) =>
        _host.Prepare(name, version, sourcePath, _store.ModelPath(name, version), variant);

    /// <summary>
    /// Swaps a smoke-tested replacement in: the store's copy of the version becomes the new variant's file,
    /// then the host serves the prepared instance (requests under way finish on the old one) and the
    /// version is persisted active. Returns the variant that served before.
    /// </summary>
    public string Replace(string sourcePath, ModelInstance prepared)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        lock (_gate)
        {
            if (prepared.State != ModelState.Ready)
            {
                throw new InvalidOperationException($"model '{prepared.Name}' version {prepared.Version} ({prepared.Variant}) is not ready; it cannot replace the serving copy");
            }
            var before = _host.Models.FirstOrDefault(m => m.Name == prepared.Name && m.Version == prepared.Version)?.Variant ?? Common.Fleet.ModelVariants.Fp32;
            _unloaded.Remove(prepared.Name);
            _store.Replace(sourcePath, prepared.Name, prepared.Version, prepared.Variant);
            _host.Swap(prepared);
            _store.WriteActive(prepared.Name, prepared.Version);
            _host.SetActive(prepared.Name, prepared.Version);
            foreach (var other in _host.VersionsOf(prepared.Name).Where(v => v != prepared.Version))
            {
                _host.Unload(prepared.Name, other);
            }
            return before;
        }
    }

    /// <summary>Drops a prepared replacement that did not pass (the installed variant goes on serving).</summary>
    public void DiscardPrepared(ModelInstance prepared) => _host.Discard(prepared);

    /// <summary>Loads an installed version beside the serving one (requests without a version still go to the active one); a loaded ready instance is reused.</summary>
    public ModelInstance LoadBeside(string name, string version)
    {
        lock (_gate)
        {
            Pin(name);
            if (_host.Models.FirstOrDefault(m => m.Name == name && m.Version == version && m.State == ModelState.Ready) is { } loaded)
            {
                return loaded;
            }
            var stored = _store.List().FirstOrDefault(m => m.Name == name && m.Version == version)
                ?? throw new ModelStoreException($"model '{name}' version {version} is not installed");
            if (ModelStore.CheckIntegrity(stored) is { } problem)
            {
                throw new ModelStoreException($"model '{name}' version {version} cannot be loaded: {problem}");
            }
            return _host.Load(name, version, stored.ModelPath, stored.Manifest?.Variant);
        }
    }

    /// <summary>
    /// Makes a loaded, ready version the one that serves: persisted first (a restart serves it too),
    /// then the pointer flips, then the model's other versions are unloaded (in-flight requests finish
    /// on them). Returns the version that served before, or null.
    /// </summary>
    public string? Activate(string name, string version)
    {
        lock (_gate)
        {
            if (!_host.Models.Any(m => m.Name == name && m.Version == version && m.State == ModelState.Ready))
            {
                throw new InvalidOperationException($"model '{name}' version {version} is not loaded and ready; load it before activating it");
            }
            var previous = Serving(name);
            // The fleet rolled a version out and it passed its smoke test: that decision is newer than an operator's unload.
            _unloaded.Remove(name);
            _store.WriteActive(name, version);
            _host.SetActive(name, version);
            foreach (var other in _host.VersionsOf(name).Where(v => v != version))
            {
                _host.Unload(name, other);
            }
            return previous == version ? null : previous;
        }
    }

    /// <summary>Stops serving a model: persisted as deactivated and unloaded. Its files stay for a later rollback.</summary>
    public void Deactivate(string name)
    {
        lock (_gate)
        {
            _unloaded.Remove(name);
            _store.WriteActive(name, "");
            _host.Unload(name, null);
        }
    }

    /// <summary>Unloads a version that did not make it (failed its smoke test), unless it is the active one, and removes its files when asked.</summary>
    public void Discard(string name, string version, bool removeFiles)
    {
        lock (_gate)
        {
            if (_host.ActiveVersion(name) == version)
            {
                return;
            }
            _host.Unload(name, version);
            if (removeFiles)
            {
                _store.Remove(name, version);
            }
        }
    }

    /// <summary>Removes the installed versions of a model other than <paramref name="keep"/> (never a loaded one); returns what was removed.</summary>
    public IReadOnlyList<string> Prune(string name, IReadOnlyCollection<string> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        lock (_gate)
        {
            var loaded = _host.VersionsOf(name);
            var removed = _store.List()
                .Where(m => m.Name == name && !keep.Contains(m.Version) && !loaded.Contains(m.Version))
                .Select(m => m.Version)
                .ToList();
            foreach (var version in removed)
            {
                _store.Remove(name, version);
            }
            return removed;
        }
    }

    /// <summary>The ready version a request without a version goes to now, or null.</summary>
    public string? Serving(string name)
    {
        try
        {
            return _host.Resolve(name, null) is { State: ModelState.Ready } instance ? instance.Version : null;
        }
        catch (InferenceException)
        {
            return null;
        }
    }

    private ModelInstance LoadChecked(StoredModel model)
    {
        var problem = ModelStore.CheckIntegrity(model);
        return problem is null
            ? _host.Load(model.Name, model.Version, model.ModelPath, model.Manifest?.Variant)
            : _host.MarkFailed(model.Name, model.Version, model.ModelPath, problem);
    }

    private void Pin(string name)
    {
        if (_store.ReadActive(name) is not null)
        {
            return;
        }
        var serving = Serving(name);
        _store.WriteActive(name, serving ?? "");
        if (serving is not null)
        {
            _host.SetActive(name, serving);
        }
    }
}
