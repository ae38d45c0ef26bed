using System.Diagnostics;
using EdgeAi.Common.Inference;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeAi.Serving.Runtime;

/// <summary>
/// Owns one ONNX Runtime session per loaded model version and runs inferences on them. Loading a
/// version that is already loaded swaps it atomically: new requests go to the new session while
/// in-flight ones finish on the old. A model that cannot load is kept as Failed with its reason, so
/// it reports not ready while the others keep serving.
/// </summary>
public sealed class ModelHost : IDisposable
{
    private readonly SessionFactory _sessions;
    private readonly ModelHostOptions _options;
    private readonly ILogger<ModelHost> _logger;
    private readonly Lock _gate = new();

    // Replaced whole on every change, so readers never lock.
    private Dictionary<string, SortedList<string, ModelInstance>> _models = new(StringComparer.Ordinal);

    public ModelHost(SessionFactory sessions, IOptions<ModelHostOptions> options, ILogger<ModelHost> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _sessions = sessions;
        _options = options.Value;
        _logger = logger;
    }

    public IReadOnlyList<ModelInstance> Models => [.. Volatile.Read(ref _models).Values.SelectMany(v => v.Values)];

    public bool AnyReady => Models.Any(m => m.State == ModelState.Ready);

    /// <summary>Loads (or reloads) a model version from an ONNX file. Never throws for a bad model: the instance says Failed.</summary>
    public ModelInstance Load(string name, string version, string path)
    {
        var stopwatch = Stopwatch.StartNew();
        ModelInstance instance;
        try
        {
            var created = _sessions.Create(path, name);
            try
            {
                instance = ModelInstance.Ready(name, version, path, created, _options.MaxConcurrentRunsPerModel);
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
            instance = ModelInstance.Failed(name, version, path, e.Message, e.Skipped);
            Log.ModelFailed(_logger, name, version, e.Message);
        }
        Publish(instance);
        return instance;
    }

    /// <summary>Registers a version that must not be loaded (e.g. its file fails its checksum) so it reports not ready with the reason.</summary>
    public ModelInstance MarkFailed(string name, string version, string path, string reason)
    {
        var instance = ModelInstance.Failed(name, version, path, reason, []);
        Log.ModelFailed(_logger, name, version, reason);
        Publish(instance);
        return instance;
    }

    /// <summary>Unloads one version, or every version when <paramref name="version"/> is null.</summary>
    public bool Unload(string name, string? version)
    {
        List<ModelInstance> removed;
        lock (_gate)
        {
            var next = Copy(_models);
            if (!next.TryGetValue(name, out var versions))
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
                next.Remove(name);
            }
            Volatile.Write(ref _models, next);
        }
        foreach (var instance in removed)
        {
            instance.Retire();
            Log.ModelUnloaded(_logger, instance.Name, instance.Version);
        }
        return removed.Count > 0;
    }

    /// <summary>
    /// The instance a request for (name, version) goes to: the given version, or the newest ready one.
    /// Throws NotFound for an unknown model or version.
    /// </summary>
    public ModelInstance Resolve(string name, string? version)
    {
        if (!Volatile.Read(ref _models).TryGetValue(name, out var versions))
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
        return versions.Values.LastOrDefault(v => v.State == ModelState.Ready) ?? versions.Values[^1];
    }

    public IReadOnlyList<string> VersionsOf(string name) =>
        Volatile.Read(ref _models).TryGetValue(name, out var versions) ? [.. versions.Keys] : [];

    public ModelMetadataResponse GetMetadata(string name, string? version) =>
        Resolve(name, version).ToMetadata(VersionsOf(name));

    public async Task<ModelInferResponse> InferAsync(ModelInferRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // A retired instance is swapped out: resolve again and get its replacement.
        for (var attempt = 0; attempt < 3; attempt++)
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
            try
            {
                return await instance.RunAsync(request, _options.MaxRequestBytes, cancellationToken).ConfigureAwait(false);
            }
            catch (InferenceException e) when (e.Error == InferenceError.Internal)
            {
                Log.InferenceFailed(_logger, instance.Name, instance.Version, e.Message);
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
        Dictionary<string, SortedList<string, ModelInstance>> models;
        lock (_gate)
        {
            models = _models;
            _models = new(StringComparer.Ordinal);
        }
        foreach (var instance in models.Values.SelectMany(v => v.Values))
        {
            instance.Retire();
        }
    }

    private void Publish(ModelInstance instance)
    {
        ModelInstance? replaced;
        lock (_gate)
        {
            var next = Copy(_models);
            if (!next.TryGetValue(instance.Name, out var versions))
            {
                versions = new SortedList<string, ModelInstance>(ModelVersions.Comparer);
                next[instance.Name] = versions;
            }
            versions.TryGetValue(instance.Version, out replaced);
            versions[instance.Version] = instance;
            Volatile.Write(ref _models, next);
        }
        replaced?.Retire();
    }

    private static Dictionary<string, SortedList<string, ModelInstance>> Copy(Dictionary<string, SortedList<string, ModelInstance>> models) =>
        models.ToDictionary(kv => kv.Key, kv => new SortedList<string, ModelInstance>(kv.Value, ModelVersions.Comparer), StringComparer.Ordinal);
}
