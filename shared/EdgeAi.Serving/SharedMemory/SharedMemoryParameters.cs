using System.Globalization;
using EdgeAi.Common.Inference;
using Google.Protobuf.Collections;

namespace EdgeAi.Serving.SharedMemory;

/// <summary>Where a tensor lies in a registered region: the region's name, and offset and size within it.</summary>
internal readonly record struct SharedMemoryReference(string Region, long Offset, long ByteSize);

/// <summary>The shared-memory parameters of an input or requested output, named as Triton names them.</summary>
internal static class SharedMemoryParameters
{
    public const string Region = "shared_memory_region";
    public const string Offset = "shared_memory_offset";
    public const string ByteSize = "shared_memory_byte_size";

    public static bool Any(MapField<string, InferParameter> parameters) =>
        parameters.Count > 0 && (parameters.ContainsKey(Region) || parameters.ContainsKey(ByteSize) || parameters.ContainsKey(Offset));

    /// <summary>
    /// The reference, or null when the tensor names no region. shared_memory_region and shared_memory_byte_size
    /// come together; shared_memory_offset is optional (0). Anything else is the caller's mistake, named.
    /// </summary>
    public static SharedMemoryReference? Read(MapField<string, InferParameter> parameters, string what)
    {
        if (!Any(parameters))
        {
            return null;
        }
        if (!parameters.TryGetValue(Region, out var region) || !parameters.TryGetValue(ByteSize, out var size))
        {
            throw InferenceException.Invalid(
                $"{what}: shared-memory parameters need both '{Region}' (the registered region's name) and '{ByteSize}'; '{Offset}' is optional");
        }
        if (region.ParameterChoiceCase != InferParameter.ParameterChoiceOneofCase.StringParam || region.StringParam.Length == 0)
        {
            throw InferenceException.Invalid($"{what}: '{Region}' must be a non-empty string, the name a region was registered under");
        }
        var offset = parameters.TryGetValue(Offset, out var o) ? Number(o, Offset, what) : 0;
        var byteSize = Number(size, ByteSize, what);
        return new SharedMemoryReference(region.StringParam, offset, byteSize);
    }

    /// <summary>Removes them, so a request passed on (to the hub) carries the bytes, not references it cannot resolve.</summary>
    public static void Remove(MapField<string, InferParameter> parameters)
    {
        parameters.Remove(Region);
        parameters.Remove(Offset);
        parameters.Remove(ByteSize);
    }

    private static long Number(InferParameter p, string name, string what) => p.ParameterChoiceCase switch
    {
        InferParameter.ParameterChoiceOneofCase.Int64Param when p.Int64Param >= 0 => p.Int64Param,
        InferParameter.ParameterChoiceOneofCase.Uint64Param when p.Uint64Param <= long.MaxValue => (long)p.Uint64Param,
        InferParameter.ParameterChoiceOneofCase.Int64Param => throw InferenceException.Invalid(
            $"{what}: '{name}' is {p.Int64Param.ToString(CultureInfo.InvariantCulture)}; expected a byte count of 0 or more"),
        InferParameter.ParameterChoiceOneofCase.Uint64Param => throw InferenceException.Invalid(
            $"{what}: '{name}' is {p.Uint64Param.ToString(CultureInfo.InvariantCulture)}, past a 64-bit file offset"),
        var other => throw InferenceException.Invalid($"{what}: '{name}' must be an integer number of bytes, got a {other} parameter"),
    };
}
