using System.Text.Json.Serialization;

namespace EdgeAi.Quantization.Accuracy;

/// <summary>
/// The report's JSON form (camelCase, enums as strings), source-generated so trimmed and AOT builds write and read it:
/// <c>JsonSerializer.Serialize(report, QuantizationJson.Default.AccuracyReport)</c>.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(AccuracyReport))]
public sealed partial class QuantizationJson : JsonSerializerContext;
