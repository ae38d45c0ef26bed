using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeAi.Quantization.Accuracy;
using EdgeAi.Quantization.Inputs;

namespace EdgeAi.Hub.Cli;

/// <summary>
/// The quantizer's accuracy report as the hub stores it (camelCase, enums by name: what the registry's
/// summary and the dashboard read), and a pipeline's pre-processing read from --pipeline-json.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, WriteIndented = false)]
[JsonSerializable(typeof(AccuracyReport))]
[JsonSerializable(typeof(ImagePreprocessing))]
internal sealed partial class QuantizeJson : JsonSerializerContext;
