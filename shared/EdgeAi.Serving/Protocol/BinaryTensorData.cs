using System.Text.Json;

namespace EdgeAi.Serving.Protocol;

/// <summary>
/// The names Triton's <c>binary_tensor_data</c> REST extension uses. Tensor bytes follow the JSON request or
/// response in the body, in the order of its inputs or outputs, in the raw form raw_input_contents and
/// raw_output_contents carry; the header gives the JSON part's length.
/// </summary>
internal static class BinaryTensorData
{
    /// <summary>The length in bytes of the JSON at the start of the body; Content-Length stays the whole body.</summary>
    public const string HeaderLengthHeader = "Inference-Header-Content-Length";

    /// <summary>Input or response output parameter: the tensor's bytes in the binary part (int64).</summary>
    public const string DataSize = "binary_data_size";

    /// <summary>Requested output parameter: return this output as binary (bool), overriding <see cref="DataOutput"/>.</summary>
    public const string Data = "binary_data";

    /// <summary>Request parameter: return every output as binary unless the output says otherwise (bool).</summary>
    public const string DataOutput = "binary_data_output";

    /// <summary>What Triton answers a response carrying binary outputs with.</summary>
    public const string ContentType = "application/octet-stream";

    /// <summary>A boolean framing parameter from a parameters object, or null when absent; anything but true or false is refused.</summary>
    public static bool? ReadFlag(JsonElement parameters, string name, string what)
    {
        if (parameters.ValueKind != JsonValueKind.Object || !parameters.TryGetProperty(name, out var value))
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw InferenceException.Invalid($"{what}: '{name}' must be true or false, got {value.GetRawText()}"),
        };
    }
}

/// <summary>Which response outputs go back as binary: every one when <see cref="All"/>, except where an output names its own choice.</summary>
internal sealed class BinaryOutputs(bool all, IReadOnlyDictionary<string, bool> perOutput)
{
    /// <summary>Nothing binary: the plain JSON response.</summary>
    public static BinaryOutputs None { get; } = new(false, new Dictionary<string, bool>());

    public bool All { get; } = all;

    public bool Any => All || perOutput.Values.Any(v => v);

    public bool IsBinary(string output) => perOutput.TryGetValue(output, out var chosen) ? chosen : All;
}
