using System.Security.Cryptography;
using System.Text.Json;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Onnx;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Deployments;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Security;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Registry;

/// <summary>
/// Registered model versions: each artifact is streamed to a scratch file while it is hashed,
/// checked as ONNX, signed with the hub's key, moved into artifacts/{name}/{version}/ in one rename
/// and recorded; it is also installed into the hub's own serving store, so devices can fall back to it.
/// </summary>
internal sealed partial class ModelRegistry(
    IDbContextFactory<HubDbContext> store,
    IOptions<HubOptions> hubOptions,
    AuditLog audit,
    HubServingInstaller serving,
    TimeProvider time,
    ILogger<ModelRegistry> logger) : IHostedService, IDisposable
{
    public const string ArtifactsDirectoryName = "artifacts";
    private const string UploadsDirectoryName = ".uploads";

    private const string NameRule = "letters, digits, '.', '_' or '-', starting with a letter or digit, at most 128 characters";

    // Finishing an upload (check, rename, insert) and deleting are serialized; streaming bodies is not.
    private readonly SemaphoreSlim _commit = new(1, 1);
    private ECDsa? _signingKey;

    public string ArtifactsDirectory => Path.Combine(hubOptions.Value.DataDirectory, ArtifactsDirectoryName);

    public string ArtifactPath(string name, string version) => Path.Combine(ArtifactsDirectory, name, version, Serving.Store.ModelStore.ModelFileName);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _signingKey = ModelSigningKey.LoadOrCreate(hubOptions.Value.DataDirectory);
        var uploads = Path.Combine(ArtifactsDirectory, UploadsDirectoryName);
        if (Directory.Exists(uploads))
        {
            // Uploads cut short by a crash.
            Directory.Delete(uploads, recursive: true);
        }
        Directory.CreateDirectory(ArtifactsDirectory);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stores, signs and records an uploaded artifact. The body is read only when the name and version are free.</summary>
    public async Task<Outcome<ModelView>> PushAsync(string name, string version, Stream body, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (CheckNames(name, version) is { } invalid)
        {
            return invalid;
        }
        if (await FindAsync(name, version, cancellationToken).ConfigureAwait(false) is not null)
        {
            return Exists(name, version);
        }

        var scratch = Path.Combine(ArtifactsDirectory, UploadsDirectoryName, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(scratch);
        try
        {
            var staged = Path.Combine(scratch, Serving.Store.ModelStore.ModelFileName);
            var (sha256, size, info, refused) = await ReceiveAsync(body, staged, "model", cancellationToken).ConfigureAwait(false);
            if (refused is not null)
            {
                return refused;
            }
            var row = new ModelRow
            {
                Name = name,
                Version = version,
                Sha256 = sha256,
                SizeBytes = size,
                Signature = ModelSignature.Sign(_signingKey!, name, version, sha256),
                Inputs = JsonSerializer.Serialize([.. info.Inputs.Select(Tensor)], RegistryJson.Default.ModelTensorArray),
                Outputs = JsonSerializer.Serialize([.. info.Outputs.Select(Tensor)], RegistryJson.Default.ModelTensorArray),
                CreatedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
                CreatedBy = actor,
            };
            if (await CommitAsync(row, scratch, cancellationToken).ConfigureAwait(false) is { } conflict)
            {
                return conflict;
            }
            Log.Pushed(logger, name, version, size, sha256);
            await audit.RecordAsync(actor, "model.push", $"{name}/{version}", $"sha256 {sha256}, {size} bytes", cancellationToken).ConfigureAwait(false);
            // The answer does not wait for the hub's own copy to load; GET /v2/models/{name} shows when it is ready.
            _ = serving.InstallAsync(name, version, ArtifactPath(name, version), sha256);
            return View(row, deployed: false, withSignature: true, [Fp32View(row, withSignature: true)]);
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    public async Task<ModelView[]> ListAsync(CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var rows = await db.Models.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false);
            var variants = (await db.ModelVariants.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false))
                .ToLookup(v => (v.Name, v.Version));
            var deployed = (await db.DesiredModels.Select(m => new { m.Model, m.Version }).Distinct().ToListAsync(cancellationToken).ConfigureAwait(false))
                .Select(m => (m.Model, m.Version)).ToHashSet();
            return [.. rows.OrderBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.Version, Serving.Runtime.ModelVersions.Comparer)
                .Select(r => View(r, deployed.Contains((r.Name, r.Version)), withSignature: false, Variants(r, variants[(r.Name, r.Version)], withSignature: false)))];
        }
    }

    public async Task<Outcome<ModelView>> GetAsync(string name, string version, CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var row = await db.Models.AsNoTracking().SingleOrDefaultAsync(m => m.Name == name && m.Version == version, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return Unknown(name, version);
            }
            var deployed = await db.DesiredModels.AnyAsync(m => m.Model == name && m.Version == version, cancellationToken).ConfigureAwait(false);
            var variants = await db.ModelVariants.AsNoTracking().Where(v => v.Name == name && v.Version == version).ToListAsync(cancellationToken).ConfigureAwait(false);
            return View(row, deployed, withSignature: true, Variants(row, variants, withSignature: true));
        }
    }

    public async Task<ModelRow?> FindAsync(string name, string version, CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            return await db.Models.AsNoTracking().SingleOrDefaultAsync(m => m.Name == name && m.Version == version, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes a version no deployment or device still needs: its record, its artifact, and its copy in the serving store.</summary>
    public async Task<Outcome<ModelView>> DeleteAsync(string name, string version, string actor, CancellationToken cancellationToken)
    {
        await _commit.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await using (db.ConfigureAwait(false))
            {
                var row = await db.Models.SingleOrDefaultAsync(m => m.Name == name && m.Version == version, cancellationToken).ConfigureAwait(false);
                if (row is null)
                {
                    return Unknown(name, version);
                }
                if (await InUseAsync(db, name, version, cancellationToken).ConfigureAwait(false) is { } reason)
                {
                    return Refusal.Conflict("Model in use", $"{name} version {version} cannot be deleted: {reason}");
                }
                db.Models.Remove(row);
                // Its variants go with it (their files are under the version's directory).
                db.ModelVariants.RemoveRange(await db.ModelVariants.Where(v => v.Name == name && v.Version == version).ToListAsync(cancellationToken).ConfigureAwait(false));
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                var directory = Path.GetDirectoryName(ArtifactPath(name, version))!;
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }
                await serving.RemoveAsync(name, version).ConfigureAwait(false);
                Log.Deleted(logger, name, version);
                await audit.RecordAsync(actor, "model.delete", $"{name}/{version}", $"sha256 {row.Sha256}", cancellationToken).ConfigureAwait(false);
                return View(row, deployed: false, withSignature: false);
            }
        }
        finally
        {
            _commit.Release();
        }
    }

    /// <summary>Why a version is still needed (by an open deployment, a device's desired state, or as an open deployment's rollback target), or null.</summary>
    private static async Task<string?> InUseAsync(HubDbContext db, string name, string version, CancellationToken cancellationToken)
    {
        var open = await db.Deployments.Where(d => d.Model == name && (d.State == DeploymentStates.Running || d.State == DeploymentStates.Paused || d.State == DeploymentStates.Halted))
            .Select(d => new { d.Id, d.Version }).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (open.FirstOrDefault(d => d.Version == version) is { } deploying)
        {
            return $"deployment {deploying.Id} is still rolling it out (roll it back or let it finish first)";
        }
        var devices = await db.DesiredModels.Where(m => m.Model == name && m.Version == version).Select(m => m.DeviceId).OrderBy(d => d)
            .Take(5).ToListAsync(cancellationToken).ConfigureAwait(false);
        if (devices.Count > 0)
        {
            return $"the desired state of {string.Join(", ", devices)}{(devices.Count == 5 ? ", …" : "")} names it (deploy another version or roll back first)";
        }
        var openIds = open.Select(d => d.Id).ToList();
        if (await db.DeploymentTargets.AnyAsync(t => openIds.Contains(t.DeploymentId) && t.PreviousVersion == version, cancellationToken).ConfigureAwait(false))
        {
            return "an open deployment would roll devices back to it";
        }
        return null;
    }

    private async Task<Refusal?> CommitAsync(ModelRow row, string scratch, CancellationToken cancellationToken)
    {
        await _commit.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await using (db.ConfigureAwait(false))
            {
                if (await db.Models.AnyAsync(m => m.Name == row.Name && m.Version == row.Version, cancellationToken).ConfigureAwait(false))
                {
                    return Exists(row.Name, row.Version);
                }
                db.Models.Add(row);
                return await PlaceAsync(db, scratch, Path.GetDirectoryName(ArtifactPath(row.Name, row.Version))!, Exists(row.Name, row.Version), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _commit.Release();
        }
    }

    /// <summary>
    /// Moves the uploaded <paramref name="scratch"/> directory into place as <paramref name="target"/> and saves the row
    /// added to <paramref name="db"/>; when another upload won the race, its files are removed and <paramref name="taken"/> returned.
    /// </summary>
    private static async Task<Refusal?> PlaceAsync(HubDbContext db, string scratch, string target, Refusal taken, CancellationToken cancellationToken)
    {
        if (Directory.Exists(target))
        {
            // Left by a crash between the rename and the insert: no record means no one relies on it.
            Directory.Delete(target, recursive: true);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        Directory.Move(scratch, target);
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException)
        {
            Directory.Delete(target, recursive: true);
            return taken;
        }
        return null;
    }

    /// <summary>
    /// Streams an upload into <paramref name="staged"/> while hashing it and reads its interface; or why it is refused
    /// (empty, not ONNX, weights in external files). <paramref name="what"/> names it in the messages ("model", "int8 variant").
    /// </summary>
    private static async Task<(string Sha256, long Size, OnnxModelInfo Info, Refusal? Refused)> ReceiveAsync(
        Stream body, string staged, string what, CancellationToken cancellationToken)
    {
        var (sha256, size) = await CopyHashingAsync(body, staged, cancellationToken).ConfigureAwait(false);
        if (size == 0)
        {
            return (sha256, size, null!, Refusal.Invalid("Empty artifact", $"the body is empty: send the {what}'s ONNX file bytes as application/octet-stream"));
        }
        OnnxModelInfo info;
        try
        {
            info = OnnxModelReader.Read(staged);
        }
        catch (InvalidOnnxModelException e)
        {
            return (sha256, size, null!, Refusal.Invalid("Not an ONNX model", e.Message.Replace(staged, "the upload", StringComparison.Ordinal)));
        }
        return info.HasExternalData
            ? (sha256, size, info, Refusal.Invalid("External weights",
                $"the {what} keeps its weights in files beside it; save it as one self-contained .onnx file (e.g. onnx.save with save_as_external_data=False)"))
            : (sha256, size, info, null);
    }

    private static async Task<(string Sha256, long Size)> CopyHashingAsync(Stream body, string path, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long size = 0;
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await using (file.ConfigureAwait(false))
        {
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                size += read;
            }
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        return (Convert.ToHexStringLower(hash.GetHashAndReset()), size);
    }

    /// <summary>The rule a name or version broke, or null.</summary>
    public static Refusal? CheckNames(string name, string version)
    {
        if (!Serving.Store.ModelStore.IsValidName(name))
        {
            return Refusal.Invalid("Bad model name", $"model name '{name}' is invalid: use {NameRule}");
        }
        if (!Serving.Store.ModelStore.IsValidName(version))
        {
            return Refusal.Invalid("Bad version", $"version '{version}' is invalid: use {NameRule}");
        }
        return null;
    }

    public static Refusal Unknown(string name, string version) =>
        Refusal.NotFound("Unknown model version", $"the registry has no model '{name}' version '{version}'");

    private static Refusal Exists(string name, string version) =>
        Refusal.Conflict("Version exists", $"model '{name}' version '{version}' is already registered; versions are immutable: push under a new version");

    private static ModelTensor Tensor(OnnxTensorInfo tensor) =>
        new(tensor.Name, tensor.DatatypeName ?? $"ONNX type {tensor.ElementType}", tensor.Shape);

    public static ModelView View(ModelRow row, bool deployed, bool withSignature, IReadOnlyList<VariantView>? variants = null)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new(row.Name, row.Version, row.Sha256, row.SizeBytes, DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAtMs), row.CreatedBy,
            JsonSerializer.Deserialize(row.Inputs, RegistryJson.Default.ModelTensorArray) ?? [],
            JsonSerializer.Deserialize(row.Outputs, RegistryJson.Default.ModelTensorArray) ?? [],
            deployed, withSignature ? Convert.ToBase64String(row.Signature) : null, variants);
    }

    public void Dispose()
    {
        _commit.Dispose();
        _signingKey?.Dispose();
    }
}
