using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeAi.Common.Onnx;

namespace EdgeAi.Serving.Store;

/// <summary>
/// Installed models as versioned directories: <c>{root}/{name}/{version}/model.onnx</c> plus a
/// <c>manifest.json</c>. A version is staged in a scratch directory and moved into place in one
/// rename, so a crash never leaves a half-installed version behind. A model the fleet manages also
/// has <c>{root}/{name}/.active</c>: the version that serves, persisted so a restart (online or not)
/// serves the same one.
/// </summary>
public sealed partial class ModelStore
{
    public const string ModelFileName = "model.onnx";
    public const string ManifestFileName = "manifest.json";
    public const string ActiveFileName = ".active";
    private const string StagingDirectoryName = ".staging";

    private readonly TimeProvider _time;

    public ModelStore(string root, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = root;
        _time = time;
    }

    public string Root { get; }

    public static bool IsValidName(string value) => NamePattern().IsMatch(value);

    public string ModelPath(string name, string version) => Path.Combine(Root, name, version, ModelFileName);

    /// <summary>Every installed version; a version whose manifest is unreadable is returned with its error.</summary>
    public IReadOnlyList<StoredModel> List()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }
        var models = new List<StoredModel>();
        foreach (var nameDir in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(nameDir);
            if (name == StagingDirectoryName)
            {
                continue;
            }
            foreach (var versionDir in Directory.EnumerateDirectories(nameDir))
            {
                models.Add(Read(name, Path.GetFileName(versionDir)));
            }
        }
        return [.. models.OrderBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.Version, Runtime.ModelVersions.Comparer)];
    }

    /// <summary>
    /// Installs a copy of an ONNX file after checking it is a readable ONNX model. <paramref name="verify"/>
    /// gets the staged copy and may throw to refuse it (the agent trial-loads it in ONNX Runtime).
    /// Without a version, the next integer after the highest installed one is used.
    /// </summary>
    public StoredModel Add(string sourcePath, string name, string? version, Action<string>? verify = null) => Add(sourcePath, name, version, verify, null);

    /// <summary>Installs one variant of a version (recorded in its manifest; null is fp32, as before variants).</summary>
    public StoredModel Add(string sourcePath, string name, string? version, Action<string>? verify, string? variant)
    {
        if (!IsValidName(name))
        {
            throw new ModelStoreException($"invalid model name '{name}': use letters, digits, '.', '_' or '-', starting with a letter or digit (at most 128)");
        }
        if (!File.Exists(sourcePath))
        {
            throw new ModelStoreException($"model file '{sourcePath}' does not exist");
        }
        version ??= NextVersion(name);
        if (!IsValidName(version))
        {
            throw new ModelStoreException($"invalid version '{version}': use letters, digits, '.', '_' or '-' (at most 128)");
        }
        var target = Path.Combine(Root, name, version);
        if (Directory.Exists(target))
        {
            throw new ModelStoreException($"model '{name}' version {version} is already installed; remove it first or pick another version");
        }

        var staging = Path.Combine(Root, StagingDirectoryName, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            var stagedModel = Path.Combine(staging, ModelFileName);
            File.Copy(sourcePath, stagedModel);
            var manifest = Describe(stagedModel, name, version, Path.GetFileName(sourcePath)) with { Variant = variant };
            verify?.Invoke(stagedModel);
            File.WriteAllBytes(Path.Combine(staging, ManifestFileName), JsonSerializer.SerializeToUtf8Bytes(manifest, StoreJsonContext.Default.ModelManifest));
            Directory.CreateDirectory(Path.Combine(Root, name));
            Directory.Move(staging, target);
            return new StoredModel(name, version, Path.Combine(target, ModelFileName), manifest, null);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>
    /// Puts another variant of an installed version in place of the one there: staged beside it, then the old
    /// directory is renamed away and the new one renamed in (a crash between the two leaves the version
    /// missing, which the fleet reinstalls, never half of one).
    /// </summary>
    public StoredModel Replace(string sourcePath, string name, string version, string? variant)
    {
        if (!IsValidName(name) || !IsValidName(version))
        {
            throw new ModelStoreException($"invalid model name '{name}' or version '{version}'");
        }
        var target = Path.Combine(Root, name, version);
        var staging = Path.Combine(Root, StagingDirectoryName, Guid.NewGuid().ToString("N"));
        var trash = Path.Combine(Root, StagingDirectoryName, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            var stagedModel = Path.Combine(staging, ModelFileName);
            File.Copy(sourcePath, stagedModel);
            var manifest = Describe(stagedModel, name, version, Path.GetFileName(sourcePath)) with { Variant = variant };
            File.WriteAllBytes(Path.Combine(staging, ManifestFileName), JsonSerializer.SerializeToUtf8Bytes(manifest, StoreJsonContext.Default.ModelManifest));
            Directory.CreateDirectory(Path.Combine(Root, name));
            if (Directory.Exists(target))
            {
                Directory.Move(target, trash);
            }
            Directory.Move(staging, target);
            return new StoredModel(name, version, Path.Combine(target, ModelFileName), manifest, null);
        }
        finally
        {
            foreach (var dir in new[] { staging, trash }.Where(Directory.Exists))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>Removes one version, or all versions when <paramref name="version"/> is null. False when nothing matched.</summary>
    public bool Remove(string name, string? version)
    {
        if (!IsValidName(name) || (version is not null && !IsValidName(version)))
        {
            return false;
        }
        var dir = version is null ? Path.Combine(Root, name) : Path.Combine(Root, name, version);
        if (!Directory.Exists(dir))
        {
            return false;
        }
        // Rename first so a reader never sees a half-deleted version.
        var trash = Path.Combine(Root, StagingDirectoryName, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.GetDirectoryName(trash)!);
        Directory.Move(dir, trash);
        Directory.Delete(trash, recursive: true);
        var nameDir = Path.Combine(Root, name);
        if (Directory.Exists(nameDir) && !Directory.EnumerateFileSystemEntries(nameDir).Any())
        {
            Directory.Delete(nameDir);
        }
        return true;
    }

    /// <summary>
    /// The persisted active version of a model: null when none was ever set (every installed version
    /// is loaded and the newest serves), empty when the model is deactivated (installed, not loaded),
    /// else the version that serves.
    /// </summary>
    public string? ReadActive(string name)
    {
        if (!IsValidName(name))
        {
            return null;
        }
        var file = Path.Combine(Root, name, ActiveFileName);
        try
        {
            return File.Exists(file) ? File.ReadAllText(file).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Persists the active version (empty: deactivated); written aside and renamed over, so a crash leaves the old or the new value.</summary>
    public void WriteActive(string name, string version)
    {
        ArgumentNullException.ThrowIfNull(version);
        if (!IsValidName(name) || (version.Length > 0 && !IsValidName(version)))
        {
            throw new ModelStoreException($"invalid model name '{name}' or version '{version}'");
        }
        var dir = Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
        var file = Path.Combine(dir, ActiveFileName);
        var temporary = file + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes(version));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, file, overwrite: true);
    }

    /// <summary>Checks the installed file still matches its manifest; returns the problem, or null.</summary>
    public static string? CheckIntegrity(StoredModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Manifest is null)
        {
            return model.Error;
        }
        if (!File.Exists(model.ModelPath))
        {
            return $"model file is missing from {Path.GetDirectoryName(model.ModelPath)}";
        }
        var sha = Sha256Of(model.ModelPath);
        return sha == model.Manifest.Sha256
            ? null
            : $"model file changed since it was installed (sha256 {sha[..12]}…, manifest says {model.Manifest.Sha256[..12]}…)";
    }

    private ModelManifest Describe(string modelPath, string name, string version, string source)
    {
        OnnxModelInfo info;
        try
        {
            info = OnnxModelReader.Read(modelPath);
        }
        catch (InvalidOnnxModelException e)
        {
            throw new ModelStoreException($"'{source}' is not a usable ONNX model: {e.Message}", e);
        }
        return new ModelManifest
        {
            Name = name,
            Version = version,
            Sha256 = Sha256Of(modelPath),
            SizeBytes = info.SizeBytes,
            Opset = info.Opsets.TryGetValue(string.Empty, out var opset) ? opset : 0,
            Inputs = [.. info.Inputs.Select(ToManifest)],
            Outputs = [.. info.Outputs.Select(ToManifest)],
            InstalledAt = _time.GetUtcNow(),
            Source = source,
        };
    }

    private static ManifestTensor ToManifest(OnnxTensorInfo tensor) =>
        new(tensor.Name, tensor.DatatypeName ?? $"ONNX type {tensor.ElementType}", tensor.Shape);

    private StoredModel Read(string name, string version)
    {
        var dir = Path.Combine(Root, name, version);
        var modelPath = Path.Combine(dir, ModelFileName);
        try
        {
            var manifest = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(dir, ManifestFileName)), StoreJsonContext.Default.ModelManifest)
                ?? throw new JsonException("manifest is empty");
            return new StoredModel(name, version, modelPath, manifest, null);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return new StoredModel(name, version, modelPath, null, $"manifest is unreadable: {e.Message}");
        }
    }

    private string NextVersion(string name)
    {
        var dir = Path.Combine(Root, name);
        if (!Directory.Exists(dir))
        {
            return "1";
        }
        var highest = Directory.EnumerateDirectories(dir)
            .Select(d => long.TryParse(Path.GetFileName(d), out var v) ? v : 0)
            .DefaultIfEmpty(0)
            .Max();
        return (highest + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex NamePattern();
}

/// <summary>An installed version: its manifest, or the error that made it unreadable.</summary>
public sealed record StoredModel(string Name, string Version, string ModelPath, ModelManifest? Manifest, string? Error);
