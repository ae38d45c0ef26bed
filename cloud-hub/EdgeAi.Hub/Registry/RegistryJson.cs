using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAi.Hub.Registry;

/// <summary>A graph input or output as the registry describes it; shape -1 = dynamic.</summary>
internal sealed record ModelTensor(string Name, string Datatype, IReadOnlyList<long> Shape);

/// <summary>A model version in the admin API. Signature (base64) only in the single-version view.</summary>
internal sealed record ModelView(
    string Name, string Version, string Sha256, long SizeBytes, DateTimeOffset CreatedAt, string CreatedBy,
    IReadOnlyList<ModelTensor> Inputs, IReadOnlyList<ModelTensor> Outputs, bool Deployed, string? Signature = null,
    IReadOnlyList<VariantView>? Variants = null);

/// <summary>
/// One variant of a version: fp32 (the version's own artifact) or an uploaded int8/fp16. Report is the
/// accuracy report as uploaded (JSON); Summary its headline figures.
/// </summary>
internal sealed record VariantView(
    string Variant, string Sha256, long SizeBytes, DateTimeOffset CreatedAt, string CreatedBy, string? Signature = null,
    JsonElement? Report = null, ReportSummary? Summary = null);

/// <summary>The figures an operator looks at first: the worst output's mean cosine, the worst top-1 agreement, int8/fp32 latency.</summary>
internal sealed record ReportSummary(double? Cosine, double? Top1Agreement, double? SpeedRatio, bool? BudgetMet);

/// <summary>Registry JSON, source-generated; also the stored inputs/outputs columns.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ModelView))]
[JsonSerializable(typeof(ModelView[]))]
[JsonSerializable(typeof(ModelTensor[]))]
[JsonSerializable(typeof(VariantView[]))]
internal sealed partial class RegistryJson : JsonSerializerContext;
