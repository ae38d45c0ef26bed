using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAi.Hub.Registry;

/// <summary>A graph input or output as the registry describes it; shape -1 = dynamic.</summary>
internal sealed record ModelTensor(string Name, string Datatype, IReadOnlyList<long> Shape);

/// <summary>A model version in the admin API. Signature (base64) only in the single-version view.</summary>
internal sealed record ModelView(
    string Name, string Version, string Sha256, long SizeBytes, DateTimeOffset CreatedAt, string CreatedBy,
    IReadOnlyList<ModelTensor> Inputs, IReadOnlyList<ModelTensor> Outputs, bool Deployed, string? Signature = null);

/// <summary>Registry JSON, source-generated; also the stored inputs/outputs columns.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ModelView))]
[JsonSerializable(typeof(ModelView[]))]
[JsonSerializable(typeof(ModelTensor[]))]
internal sealed partial class RegistryJson : JsonSerializerContext;
