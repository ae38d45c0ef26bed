using System.Text.Json;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Onnx;
using EdgeAi.Hub.Admin;
using EdgeAi.Hub.Deployments;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;

namespace EdgeAi.Hub.Registry;

/// <summary>
/// The variants of a version (int8, fp16) beside its fp32 artifact: streamed and hashed like a push,
/// checked to have exactly the version's interface, signed over (name, version, variant, sha256) and
/// moved into artifacts/{name}/{version}/variants/{variant}/ in one rename.
/// </summary>
internal sealed partial class ModelRegistry
{
    private const string VariantsDirectoryName = "variants";

    /// <summary>Largest accuracy report stored (JSON text).</summary>
    public const int MaxReportBytes = 1 << 20;

    /// <summary>Where a variant's artifact lives; fp32 is the version's own file.</summary>
    public string ArtifactPath(string name, string version, string variant) => ModelVariants.IsDefault(variant)
        ? ArtifactPath(name, version)
        : Path.Combine(ArtifactsDirectory, name, version, VariantsDirectoryName, variant, Serving.Store.ModelStore.ModelFileName);

    /// <summary>Stores, checks, signs and records an uploaded int8 or fp16 variant of a registered version.</summary>
    public async Task<Outcome<VariantView>> AddVariantAsync(string name, string version, string variant, Stream body, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if ((CheckNames(name, version) ?? CheckUploadVariant(variant, name, version)) is { } invalid)
        {
            return invalid;
        }
        var model = await FindAsync(name, version, cancellationToken).ConfigureAwait(false);
        if (model is null)
        {
            return Unknown(name, version);
        }
        if (await FindVariantAsync(name, version, variant, cancellationToken).ConfigureAwait(false) is not null)
        {
            return VariantExists(name, version, variant);
        }
        var scratch = Path.Combine(ArtifactsDirectory, UploadsDirectoryName, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(scratch);
        try
        {
            var staged = Path.Combine(scratch, Serving.Store.ModelStore.ModelFileName);
            var (sha256, size, info, refused) = await ReceiveAsync(body, staged, $"{variant} variant", cancellationToken).ConfigureAwait(false);
            if (refused is not null)
            {
                return refused;
            }
            if (InterfaceMismatch(model, info, variant) is { } mismatch)
            {
                return mismatch;
            }
            var row = new ModelVariantRow
            {
                Name = name,
                Version = version,
                Variant = variant,
                Sha256 = sha256,
                SizeBytes = size,
                Signature = ModelSignature.Sign(_signingKey!, name, version, variant, sha256),
                CreatedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
                CreatedBy = actor,
            };
            if (await CommitVariantAsync(row, scratch, cancellationToken).ConfigureAwait(false) is { } conflict)
            {
                return conflict;
            }
            Log.VariantAdded(logger, name, version, variant, size, sha256);
            await audit.RecordAsync(actor, "model.variant.add", $"{name}/{version}/{variant}", $"sha256 {sha256}, {size} bytes", cancellationToken).ConfigureAwait(false);
            return VariantOf(row, withSignature: true);
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    /// <summary>Stores the accuracy report of a variant (JSON, kept as given); replaces an earlier one.</summary>
    public async Task<Outcome<VariantView>> PutReportAsync(string name, string version, string variant, string json, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(json);
        if ((CheckNames(name, version) ?? CheckUploadVariant(variant, name, version)) is { } invalid)
        {
            return invalid;
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Refusal.Invalid("Bad report", $"the accuracy report must be a JSON object (the quantizer's report), not a {document.RootElement.ValueKind}");
            }
        }
        catch (JsonException e)
        {
            return Refusal.Invalid("Bad report", $"the accuracy report is not JSON: {e.Message.Split(" Path:", 2)[0]}");
        }
        return await WithVariantAsync(name, version, variant, async (db, row) =>
        {
            row.Report = json;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            await audit.RecordAsync(actor, "model.variant.report", $"{name}/{version}/{variant}", $"{json.Length} characters", cancellationToken).ConfigureAwait(false);
            return VariantOf(row, withSignature: false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="change"/> on the variant's row under the registry's commit lock; an unknown version or variant is refused.</summary>
    private async Task<Outcome<VariantView>> WithVariantAsync(
        string name, string version, string variant, Func<HubDbContext, ModelVariantRow, Task<Outcome<VariantView>>> change, CancellationToken cancellationToken)
    {
        await _commit.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await using (db.ConfigureAwait(false))
            {
                var (row, missing) = await FindVariantAsync(db, name, version, variant, cancellationToken).ConfigureAwait(false);
                return row is null ? missing! : await change(db, row).ConfigureAwait(false);
            }
        }
        finally
        {
            _commit.Release();
        }
    }

    public async Task<Outcome<VariantView[]>> ListVariantsAsync(string name, string version, CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            var model = await db.Models.AsNoTracking().SingleOrDefaultAsync(m => m.Name == name && m.Version == version, cancellationToken).ConfigureAwait(false);
            if (model is null)
            {
                return Unknown(name, version);
            }
            var rows = await db.ModelVariants.AsNoTracking().Where(v => v.Name == name && v.Version == version).ToListAsync(cancellationToken).ConfigureAwait(false);
            return Variants(model, rows, withSignature: true).ToArray();
        }
    }

    public async Task<ModelVariantRow?> FindVariantAsync(string name, string version, string variant, CancellationToken cancellationToken)
    {
        var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await using (db.ConfigureAwait(false))
        {
            return await db.ModelVariants.AsNoTracking().SingleOrDefaultAsync(v => v.Name == name && v.Version == version && v.Variant == variant, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes one int8/fp16 variant, unless a device's desired state or an open deployment names it.</summary>
    public async Task<Outcome<VariantView>> DeleteVariantAsync(string name, string version, string variant, string actor, CancellationToken cancellationToken)
    {
        if ((CheckNames(name, version) ?? CheckUploadVariant(variant, name, version)) is { } invalid)
        {
            return invalid;
        }
        return await WithVariantAsync(name, version, variant, async (db, row) =>
        {
            if (await DesiredVariants.UsersAsync(db, name, version, variant, cancellationToken).ConfigureAwait(false) is { } reason)
            {
                return Refusal.Conflict("Variant in use", $"the {variant} variant of {name} version {version} cannot be deleted: {reason}");
            }
            db.ModelVariants.Remove(row);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            var directory = Path.GetDirectoryName(ArtifactPath(name, version, variant))!;
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
            Log.VariantDeleted(logger, name, version, variant);
            await audit.RecordAsync(actor, "model.variant.delete", $"{name}/{version}/{variant}", $"sha256 {row.Sha256}", cancellationToken).ConfigureAwait(false);
            return VariantOf(row, withSignature: false);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Why a variant name cannot be uploaded, put or deleted on its own, or null.</summary>
    public static Refusal? CheckUploadVariant(string variant, string name, string version)
    {
        if (variant == ModelVariants.Fp32)
        {
            return Refusal.Invalid("Bad variant",
                $"fp32 is the version's own artifact: it is pushed with POST /api/models/{name}/versions/{version} and deleted with the version; a variant here is int8 or fp16");
        }
        return ModelVariants.IsKnown(variant) ? null : Refusal.Invalid("Bad variant", $"variant '{variant}' is unknown: use int8 or fp16 (fp32 is the version itself)");
    }

    /// <summary>The version's variants as listed: fp32 first, then the uploaded ones in the order fp32, int8, fp16.</summary>
    public static IReadOnlyList<VariantView> Variants(ModelRow model, IEnumerable<ModelVariantRow> rows, bool withSignature)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return [Fp32View(model, withSignature), .. rows.OrderBy(r => ModelVariants.All.ToList().IndexOf(r.Variant)).Select(r => VariantOf(r, withSignature))];
    }

    public static VariantView Fp32View(ModelRow model, bool withSignature)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new(ModelVariants.Fp32, model.Sha256, model.SizeBytes, DateTimeOffset.FromUnixTimeMilliseconds(model.CreatedAtMs), model.CreatedBy,
            withSignature ? Convert.ToBase64String(model.Signature) : null);
    }

    public static VariantView VariantOf(ModelVariantRow row, bool withSignature)
    {
        ArgumentNullException.ThrowIfNull(row);
        JsonElement? report = null;
        if (row.Report is { } text)
        {
            using var document = JsonDocument.Parse(text);
            report = document.RootElement.Clone();
        }
        return new(row.Variant, row.Sha256, row.SizeBytes, DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAtMs), row.CreatedBy,
            withSignature ? Convert.ToBase64String(row.Signature) : null, report, report is { } r ? ReportSummaries.Of(r) : null);
    }

    /// <summary>The first difference between the variant's inputs/outputs and the version's, as a 409; null when they match.</summary>
    private static Refusal? InterfaceMismatch(ModelRow model, OnnxModelInfo info, string variant)
    {
        var expected = (Inputs: JsonSerializer.Deserialize(model.Inputs, RegistryJson.Default.ModelTensorArray) ?? [],
            Outputs: JsonSerializer.Deserialize(model.Outputs, RegistryJson.Default.ModelTensorArray) ?? []);
        var actual = (Inputs: info.Inputs.Select(Tensor).ToArray(), Outputs: info.Outputs.Select(Tensor).ToArray());
        var problem = Compare("input", expected.Inputs, actual.Inputs) ?? Compare("output", expected.Outputs, actual.Outputs);
        return problem is null ? null : Refusal.Conflict("Interface mismatch",
            $"the {variant} variant must have the inputs and outputs of {model.Name} version {model.Version} (names, datatypes, shapes): {problem}");
    }

    private static string? Compare(string kind, ModelTensor[] expected, ModelTensor[] actual)
    {
        foreach (var want in expected)
        {
            var have = actual.FirstOrDefault(t => t.Name == want.Name);
            if (have is null)
            {
                return $"{kind} '{want.Name}' is missing (the variant has {Names(actual)})";
            }
            if (have.Datatype != want.Datatype)
            {
                return $"{kind} '{want.Name}' is {have.Datatype}, the version's is {want.Datatype}";
            }
            if (!have.Shape.SequenceEqual(want.Shape))
            {
                return $"{kind} '{want.Name}' has shape [{string.Join(", ", have.Shape)}], the version's is [{string.Join(", ", want.Shape)}]";
            }
        }
        return actual.FirstOrDefault(t => expected.All(e => e.Name != t.Name)) is { } extra
            ? $"{kind} '{extra.Name}' is not one of the version's ({Names(expected)})"
            : null;
    }

    private static string Names(ModelTensor[] tensors) => tensors.Length == 0 ? "none" : string.Join(", ", tensors.Select(t => $"'{t.Name}'"));

    /// <summary>The variant's row, or why there is none: an unknown variant of a known version, or an unknown version.</summary>
    private static async Task<(ModelVariantRow? Row, Refusal? Missing)> FindVariantAsync(
        HubDbContext db, string name, string version, string variant, CancellationToken cancellationToken)
    {
        var row = await db.ModelVariants.SingleOrDefaultAsync(v => v.Name == name && v.Version == version && v.Variant == variant, cancellationToken).ConfigureAwait(false);
        if (row is not null)
        {
            return (row, null);
        }
        return (null, await db.Models.AnyAsync(m => m.Name == name && m.Version == version, cancellationToken).ConfigureAwait(false)
            ? UnknownVariant(name, version, variant)
            : Unknown(name, version));
    }

    private async Task<Refusal?> CommitVariantAsync(ModelVariantRow row, string scratch, CancellationToken cancellationToken)
    {
        await _commit.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var db = await store.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
            await using (db.ConfigureAwait(false))
            {
                // The version may have been deleted while the body streamed.
                if (!await db.Models.AnyAsync(m => m.Name == row.Name && m.Version == row.Version, cancellationToken).ConfigureAwait(false))
                {
                    return Unknown(row.Name, row.Version);
                }
                if (await db.ModelVariants.AnyAsync(v => v.Name == row.Name && v.Version == row.Version && v.Variant == row.Variant, cancellationToken).ConfigureAwait(false))
                {
                    return VariantExists(row.Name, row.Version, row.Variant);
                }
                db.ModelVariants.Add(row);
                return await PlaceAsync(db, scratch, Path.GetDirectoryName(ArtifactPath(row.Name, row.Version, row.Variant))!,
                    VariantExists(row.Name, row.Version, row.Variant), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _commit.Release();
        }
    }

    public static Refusal UnknownVariant(string name, string version, string variant) =>
        Refusal.NotFound("Unknown variant", $"model '{name}' version '{version}' has no {variant} variant");

    private static Refusal VariantExists(string name, string version, string variant) =>
        Refusal.Conflict("Variant exists", $"model '{name}' version '{version}' already has a {variant} variant; variants are immutable: delete it first or push a new version");
}
