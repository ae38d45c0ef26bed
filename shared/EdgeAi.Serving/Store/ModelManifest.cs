using System.Text.Json.Serialization;

namespace EdgeAi.Serving.Store;

/// <summary>What the store knows about one installed model version; written beside the file as manifest.json.</summary>
public sealed record ModelManifest
{
    public required string Name { get; init; }

    public required string Version { get; init; }

    public required string Sha256 { get; init; }

    public required long SizeBytes { get; init; }

    /// <summary>Opset of the default ONNX domain.</summary>
    public long Opset { get; init; }

    public required IReadOnlyList<ManifestTensor> Inputs { get; init; }

    public required IReadOnlyList<ManifestTensor> Outputs { get; init; }

    public DateTimeOffset InstalledAt { get; init; }

    /// <summary>The fleet variant installed ("int8", "fp16", "fp32"); null for one installed before variants or by hand, which is fp32.</summary>
    public string? Variant { get; init; }

    /// <summary>File name the model was installed from, for people reading the store.</summary>
    public string? Source { get; init; }
}

public sealed record ManifestTensor(string Name, string Datatype, IReadOnlyList<long> Shape);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ModelManifest))]
internal sealed partial class StoreJsonContext : JsonSerializerContext;
