using System.Diagnostics;
using EdgeAi.Common.Inference;
using EdgeAi.Serving.Statistics;
using EdgeAi.Serving.Tracing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeAi.Serving.Runtime;

/// <summary>
/// Owns one ONNX Runtime session per loaded model version and runs inferences on them. Loading a
/// version that is already loaded swaps it atomically: new requests go to the new session while
/// in-flight ones finish on the old. A model that cannot load is kept as Failed with its reason, so
/// it reports not ready while the others keep serving.
/// A request without a version goes to the model's active version when one is set
/// (<see cref="SetActive"/>), else to the newest ready one. Setting the active version is how a
/// new version is swapped in after it was loaded beside the old one and smoke-tested, and how an
/// older version is rolled back to: one pointer flip, no request sees a gap.
/// </summary>
public sealed class ModelHost : IDisposable
{
    private readonly SessionFactory _sessions;
    private readonly ModelHostOptions _options;
    private readonly ILogger<ModelHost> _logger;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    // Replaced whole on every change, so readers never lock; versions and active pointers change together.
    private Catalog _catalog = Catalog.Empty;
    private readonly ServingMeters? _meters;

    /// <param name="time">The clock the statistics extension measures on; the system clock when null.</param>
    /// <param name="meters">Queue and compute histograms for /metrics; none when null.</param>
    public ModelHost(SessionFactory sessions, IOptions<ModelHostOptions> options, ILogger<ModelHost> logger, TimeProvider? time = null, ServingMeters? meters = null)
    {
        _meters = meters;
        ArgumentNullException.ThrowIfNull(options);
        _sessions = sessions;
        _options = options.Value;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The clock statistics are measured on; a batcher takes its requests' arrival timestamps from it.</summary>
    public TimeProvider Time => _time;

    public IReadOnlyList<ModelInstance> Models => [.. Volatile.Read(ref _catalog).Models.Values.SelectMany(v => v.Values)];

    public bool AnyReady => Models.Any(m => m.State == ModelState.Ready);

    /// <summary>Loads (or reloads) a model version from an ONNX file. Never throws for a bad model: the instance says Failed.</summary>
    public ModelInstance Load(string name, string version, string path) => Load(name, version, path, null);

    /// <summary>Loads (or reloads) one variant of a model version; null or empty is fp32.</summary>
    public ModelInstance Load(string name, string version, string path, string? variant)
    {
        var instance = Prepare(name, version, path, path, variant);
        Publish(instance);
        return instance;
    }

    /// <summary>
    /// Opens a session on <paramref name="sessionPath"/> for a version without serving it: nothing resolves it
    /// until <see cref="Swap"/> (or it is dropped with <see cref="Discard"/>). How another variant of the serving
    /// version is smoke-tested before it replaces it. <paramref name="path"/> is where the file will live.
    /// </summary>
    public ModelInstance Prepare(string name, string version, string sessionPath, string path, string? variant)
    {
        var stopwatch = Stopwatch.StartNew();
        ModelInstance instance;
        try
        {
            var created = _sessions.Create(sessionPath, name);
            try
            {
                instance = ModelInstance.Ready(name, version, path, created, _options.MaxConcurrentRunsPerModel, variant, _time, _meters);
            }
            catch
            {
                created.Session.Dispose();
                created.Options.Dispose();
                throw;
            }
            Log.ModelReady(_logger, name, version, instance.ExecutionProvider!, stopwatch.ElapsedMilliseconds);
        }
        catch (ModelLoadException e)
        {
            instance = ModelInstance.Failed(name, version, path, e.Message, e.Skipped, variant);
            Log.ModelFailed(_logger, name, version, e.Message);
        }
        return instance;
    }

    /// <summary>Serves a prepared instance in place of the one loaded for its version, atomically: in-flight requests finish on the old one.</summary>
    public void Swap(ModelInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        Publish(instance);
    }

    /// <summary>Drops a prepared instance that never served (its smoke test failed).</summary>
    public void Discard(ModelInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (!Volatile.Read(ref _catalog).Models.TryGetValue(instance.Name, out var versions) || !versions.TryGetValue(instance.Version, out var published) || !ReferenceEquals(published, instance))
        {
            instance.Retire();
        }
    }

    /// <summary>Registers a version that must not be loaded (e.g. its file fails its checksum) so it reports not ready with the reason.</summary>
    public ModelInstance MarkFailed(string name, string version, string path, string reason)
    {
        var instance = ModelInstance.Failed(name, version, path, reason, []);
        Log.ModelFailed(_logger, name, version, reason);
        Publish(instance);
        return instance;
    }

    /// <summary>
    /// Stops serving every version of a model on an operator's request (the model repository extension's
    /// unload) while still knowing it: each version stays listed, not ready, with <paramref name="reason"/>, as
    /// Triton keeps an unloaded model in its index as UNAVAILABLE. In-flight requests finish on the old
    /// sessions. Returns the versions it stopped.
    /// </summary>
    public IReadOnlyList<string> MarkUnloaded(string name, string reason)
    {
        var versions = Volatile.Read(ref _catalog).Models.TryGetValue(name, out var loaded) ? loaded.Values.ToList() : [];
        foreach (var instance in versions)
        {
            Publish(ModelInstance.Failed(name, instance.Version, instance.Path, reason, [], instance.Variant));
            Log.ModelUnloaded(_logger, name, instance.Version);
        }
        return [.. versions.Select(v => v.Version)];
    }

    /// <summary>Unloads one version, or every version when <paramref name="version"/> is null.</summary>
    public bool Unload(string name, string? version)
    {
        List<ModelInstance> removed;
        lock (_gate)
        {
            var next = _catalog.Copy();
            if (!next.Models.TryGetValue(name, out var versions))
            {
                return false;
            }
            removed = version is null ? [.. versions.Values] : versions.TryGetValue(version, out var one) ? [one] : [];
            foreach (var instance in removed)
            {
                versions.Remove(instance.Version);
            }
            if (versions.Count == 0)
            {
                next.Models.Remove(name);
            }
            if (next.Active.TryGetValue(name, out var active) && !versions.ContainsKey(active))
            {
                next.Active.Remove(name);
            }
            Volatile.Write(ref _catalog, next);
        }
        foreach (var instance in removed)
        {
            instance.Retire();
            Log.ModelUnloaded(_logger, instance.Name, instance.Version);
        }
        return removed.Count > 0;
    }

    /// <summary>
    /// Makes <paramref name="version"/> the one requests without a version go to, atomically: a request
    /// resolves either the old or the new instance, and one on the old finishes there. The version must
    /// be loaded and ready.
    /// </summary>
    public void SetActive(string name, string version)
    {
        lock (_gate)
        {
            var next = _catalog.Copy();
            if (!next.Models.TryGetValue(name, out var versions) || !versions.TryGetValue(version, out var instance))
            {
                throw new InvalidOperationException($"model '{name}' version {version} is not loaded; load it before activating it");
            }
            if (instance.State != ModelState.Ready)
            {
                throw new InvalidOperationException($"model '{name}' version {version} is not ready ({instance.FailureReason}); only a ready version can be activated");
            }
            next.Active[name] = version;
            Volatile.Write(ref _catalog, next);
        }
        Log.ModelActivated(_logger, name, version);
    }

    /// <summary>Forgets the active version: requests without a version go to the newest ready one again.</summary>
    public void ClearActive(string name)
    {
        lock (_gate)
        {
            var next = _catalog.Copy();
            if (next.Active.Remove(name))
            {
                Volatile.Write(ref _catalog, next);
            }
        }
    }

    /// <summary>The version set by <see cref="SetActive"/>, or null when none is (then the newest ready version serves).</summary>
    public string? ActiveVersion(string name) => Volatile.Read(ref _catalog).Active.GetValueOrDefault(name);

    /// <summary>
    /// The instance a request for (name, version) goes to: the given version, else the active one, else
    /// the newest ready one. Throws NotFound for an unknown model or version.
    /// </summary>
    public ModelInstance Resolve(string name, string? version)
    {
        var catalog = Volatile.Read(ref _catalog);
        if (!catalog.Models.TryGetValue(name, out var versions))
        {
            throw new InferenceException(InferenceError.NotFound, $"model '{name}' is not installed on this server");
        }
        if (!string.IsNullOrEmpty(version))
        {
            return versions.TryGetValue(version, out var exact)
                ? exact
                : throw new InferenceException(
                    InferenceError.NotFound,
                    $"model '{name}' has no version '{version}'; installed versions: {string.Join(", ", versions.Keys)}");
        }
        if (catalog.Active.TryGetValue(name, out var active) && versions.TryGetValue(active, out var activeInstance))
        {
            return activeInstance;
        }
        return versions.Values.LastOrDefault(v => v.State == ModelState.Ready) ?? versions.Values[^1];
    }

    public IReadOnlyList<string> VersionsOf(string name) =>
        Volatile.Read(ref _catalog).Models.TryGetValue(name, out var versions) ? [.. versions.Keys] : [];

    public ModelMetadataResponse GetMetadata(string name, string? version) =>
        Resolve(name, version).ToMetadata(VersionsOf(name));

    /// <summary>
    /// Counts a request a batcher queued for a version and never ran (its deadline passed in the queue) as a failure
    /// of that version, <paramref name="arrived"/> being when it was queued (on <see cref="Time"/>).
    /// </summary>
    public void RecordNotRun(string name, string version, long arrived)
    {
        if (Volatile.Read(ref _catalog).Models.TryGetValue(name, out var versions) && versions.TryGetValue(version, out var instance) && instance.State == ModelState.Ready)
        {
            instance.Counters.Failed(_time.GetTimestamp() - arrived);
        }
    }

    public Task<ModelInferResponse> InferAsync(ModelInferRequest request, CancellationToken cancellationToken) =>
        InferAsync(request, null, cancellationToken);

    /// <summary>
    /// Runs a request that a batcher queued: <paramref name="arrivals"/> holds, on <see cref="Time"/>, when each
    /// request merged into it arrived, so the statistics extension counts each with its own queue time.
    /// </summary>
    public async Task<ModelInferResponse> InferAsync(ModelInferRequest request, IReadOnlyList<long>? arrivals, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // A retired instance is already gone from the catalog: resolving again gets its replacement.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var instance = Resolve(request.ModelName, request.ModelVersion);
            if (instance.State != ModelState.Ready)
            {
                throw new InferenceException(
                    InferenceError.Unavailable,
                    $"model '{instance.Name}' version {instance.Version} is not ready: {instance.FailureReason ?? "loading"}");
            }
            if (!instance.TryAcquire())
            {
                continue;
            }
            using var activity = ServingActivities.StartRun(instance, arrivals?.Count);
            try
            {
                return await instance.RunAsync(request, _options.MaxRequestBytes, cancellationToken, arrivals).ConfigureAwait(false);
            }
            catch (InferenceException e) when (e.Error == InferenceError.Internal)
            {
                activity.Failed(e);
                Log.InferenceFailed(_logger, instance.Name, instance.Version, e.Message);
                throw;
            }
            catch (Exception e)
            {
                activity.Failed(e);
                throw;
            }
            finally
            {
                instance.Release();
            }
        }
        throw new InferenceException(InferenceError.Unavailable, $"model '{request.ModelName}' is being replaced; retry");
    }

    public void Dispose()
    {
        Catalog catalog;
        lock (_gate)
        {
            catalog = _catalog;
            _catalog = Catalog.Empty;
        }
        foreach (var instance in catalog.Models.Values.SelectMany(v => v.Values))
        {
            instance.Retire();
        }
    }

    private void Publish(ModelInstance instance)
    {
        ModelInstance? replaced;
        lock (_gate)
        {
            var next = _catalog.Copy();
            if (!next.Models.TryGetValue(instance.Name, out var versions))
            {
                versions = new SortedList<string, ModelInstance>(ModelVersions.Comparer);
                next.Models[instance.Name] = versions;
            }
            versions.TryGetValue(instance.Version, out replaced);
            versions[instance.Version] = instance;
            if (instance.State != ModelState.Ready && next.Active.TryGetValue(instance.Name, out var active) && active == instance.Version)
            {
                // The active version was reloaded and failed: let the newest ready version serve instead.
                next.Active.Remove(instance.Name);
            }
            Volatile.Write(ref _catalog, next);
        }
        replaced?.Retire();
    }

    /// <summary>Loaded versions per model and each model's active version; never changed once published.</summary>
    private sealed record Catalog(Dictionary<string, SortedList<string, ModelInstance>> Models, Dictionary<string, string> Active)
    {
        public static Catalog Empty { get; } = new(new(StringComparer.Ordinal), new(StringComparer.Ordinal));

        public Catalog Copy() => new(
            Models.ToDictionary(kv => kv.Key, kv => new SortedList<string, ModelInstance>(kv.Value, ModelVersions.Comparer), StringComparer.Ordinal),
            new Dictionary<string, string>(Active, StringComparer.Ordinal));
    }
}
