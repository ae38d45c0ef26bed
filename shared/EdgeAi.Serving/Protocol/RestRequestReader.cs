using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using EdgeAi.Common.Inference;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.SharedMemory;
using Google.Protobuf;
using InputTensor = EdgeAi.Common.Inference.ModelInferRequest.Types.InferInputTensor;
using RequestedOutput = EdgeAi.Common.Inference.ModelInferRequest.Types.InferRequestedOutputTensor;

namespace EdgeAi.Serving.Protocol;

/// <summary>
/// Turns an Open Inference Protocol REST/JSON inference request into the gRPC request message, with
/// every input's data encoded as raw contents, so both transports share one validation and run path.
/// Inputs may instead carry their bytes after the JSON (the binary tensor data extension).
/// Every number taken from the body is range-checked before it is used: shapes against the tensor
/// limit before they multiply, values against their datatype, parameters against a 64-bit float.
/// </summary>
internal static class RestRequestReader
{
    /// <summary>A request with no binary part (no <c>Inference-Header-Content-Length</c>).</summary>
    public static ModelInferRequest Read(JsonElement root, string modelName, string? version, long maxTensorBytes) =>
        Read(root, null, modelName, version, maxTensorBytes).Request;

    /// <summary>
    /// A request whose <paramref name="binary"/> part (the body after the JSON, null without the header) holds
    /// the bytes of the inputs that give <c>binary_data_size</c>, in input order. The framing parameters are
    /// taken out of the request: they describe this body, not the inference, and are not forwarded.
    /// </summary>
    public static RestInferRequest Read(JsonElement root, ReadOnlyMemory<byte>? binary, string modelName, string? version, long maxTensorBytes)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw InferenceException.Invalid("request body must be a JSON object with an 'inputs' array");
        }
        var request = new ModelInferRequest { ModelName = modelName, ModelVersion = version ?? string.Empty };
        if (root.TryGetProperty("id", out var id))
        {
            request.Id = id.ValueKind == JsonValueKind.String ? Text(id, "'id'") : throw InferenceException.Invalid("'id' must be a string");
        }
        var allBinary = false;
        if (root.TryGetProperty("parameters", out var parameters))
        {
            allBinary = BinaryTensorData.ReadFlag(parameters, BinaryTensorData.DataOutput, "parameters") ?? false;
            ReadParameters(parameters, request.Parameters, "parameters");
            request.Parameters.Remove(BinaryTensorData.DataOutput);
        }
        if (!root.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array)
        {
            throw InferenceException.Invalid("request body needs an 'inputs' array");
        }
        var binarySizes = new List<(int Raw, int Input, long Size)>();
        foreach (var input in inputs.EnumerateArray())
        {
            var (tensor, raw, binarySize) = ReadInput(input, maxTensorBytes);
            if (binarySize is long size)
            {
                binarySizes.Add((request.RawInputContents.Count, request.Inputs.Count, size));
            }
            request.Inputs.Add(tensor);
            // An input in shared memory has no entry: raw_input_contents holds one per input that is not (as Triton reads it).
            if (raw is not null)
            {
                request.RawInputContents.Add(raw);
            }
        }
        AttachBinary(request, binarySizes, binary);
        var perOutput = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (root.TryGetProperty("outputs", out var outputs))
        {
            if (outputs.ValueKind != JsonValueKind.Array)
            {
                throw InferenceException.Invalid("'outputs' must be an array of {\"name\": ...} objects");
            }
            foreach (var output in outputs.EnumerateArray())
            {
                var requested = new RequestedOutput { Name = RequiredString(output, "name", "output") };
                if (output.TryGetProperty("parameters", out var outputParameters))
                {
                    var what = $"output '{requested.Name}' parameters";
                    if (BinaryTensorData.ReadFlag(outputParameters, BinaryTensorData.Data, what) is bool chosen)
                    {
                        perOutput[requested.Name] = chosen;
                    }
                    ReadParameters(outputParameters, requested.Parameters, what);
                    requested.Parameters.Remove(BinaryTensorData.Data);
                }
                request.Outputs.Add(requested);
            }
        }
        return new RestInferRequest(request, new BinaryOutputs(allBinary, perOutput));
    }

    /// <summary>
    /// Gives each binary input its slice of the body, wrapped, not copied. The sizes must account for every
    /// byte after the JSON: a size too big or too small would otherwise shift every later input's bytes.
    /// </summary>
    private static void AttachBinary(ModelInferRequest request, List<(int Raw, int Input, long Size)> sizes, ReadOnlyMemory<byte>? binary)
    {
        if (binary is not { } bytes)
        {
            if (sizes.Count > 0)
            {
                throw InferenceException.Invalid(
                    $"input '{request.Inputs[sizes[0].Input].Name}' gives {BinaryTensorData.DataSize}, but the request has no {BinaryTensorData.HeaderLengthHeader} header to say where the JSON ends and its bytes begin");
            }
            return;
        }
        Int128 total = 0;
        foreach (var (_, _, size) in sizes)
        {
            total += size;
        }
        if (total != bytes.Length)
        {
            throw InferenceException.Invalid(
                $"the body has {bytes.Length} bytes after the JSON request ({BinaryTensorData.HeaderLengthHeader}), but the inputs' {BinaryTensorData.DataSize} add up to {total}");
        }
        var offset = 0;
        foreach (var (index, _, size) in sizes)
        {
            request.RawInputContents[index] = UnsafeByteOperations.UnsafeWrap(bytes.Slice(offset, (int)size));
            offset += (int)size;
        }
    }

    private static (InputTensor Tensor, ByteString? Raw, long? BinarySize) ReadInput(JsonElement input, long maxTensorBytes)
    {
        if (input.ValueKind != JsonValueKind.Object)
        {
            throw InferenceException.Invalid("each input must be an object with 'name', 'shape', 'datatype' and 'data'");
        }
        var name = RequiredString(input, "name", "input");
        var datatypeName = RequiredString(input, "datatype", $"input '{name}'");
        if (!TensorDatatypes.TryParse(datatypeName, out var datatype))
        {
            throw InferenceException.Invalid($"input '{name}': unknown datatype '{datatypeName}'; expected one of {TensorDatatypes.AllNames}");
        }
        var tensor = new InputTensor { Name = name, Datatype = datatypeName };
        if (!input.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array)
        {
            throw InferenceException.Invalid($"input '{name}' needs a 'shape' array of integers");
        }
        foreach (var dim in shape.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out var d) || d < 0)
            {
                throw InferenceException.Invalid($"input '{name}': shape must hold integers of 0 or more, got {dim.GetRawText()}");
            }
            tensor.Shape.Add(d);
        }
        var count = TensorLimits.ElementCount(name, datatype, tensor.Shape, maxTensorBytes);
        long? binarySize = null;
        if (input.TryGetProperty("parameters", out var parameters))
        {
            binarySize = BinarySize(parameters, name);
            ReadParameters(parameters, tensor.Parameters, $"input '{name}' parameters");
            tensor.Parameters.Remove(BinaryTensorData.DataSize);
        }
        var hasData = input.TryGetProperty("data", out var data);
        if (SharedMemoryParameters.Any(tensor.Parameters))
        {
            // Its bytes are in a registered region, resolved with the gRPC path's (raw contents hold only the other inputs).
            return hasData || binarySize is not null
                ? throw InferenceException.Invalid($"input '{name}' has both {(hasData ? "'data'" : "parameters." + BinaryTensorData.DataSize)} and shared-memory parameters ({SharedMemoryParameters.Region}); send its values one way")
                : (tensor, null, null);
        }
        if (binarySize is not null)
        {
            // Its bytes come from the binary part; their size against shape and datatype is checked where raw contents are.
            return hasData
                ? throw InferenceException.Invalid($"input '{name}' has both 'data' and parameters.{BinaryTensorData.DataSize}; send its values one way")
                : (tensor, ByteString.Empty, binarySize);
        }
        if (!hasData)
        {
            throw InferenceException.Invalid($"input '{name}' has no 'data' (or parameters.{BinaryTensorData.DataSize} for binary data after the JSON)");
        }
        var values = new List<JsonElement>();
        Flatten(data, values);
        if (values.Count != count)
        {
            throw InferenceException.Invalid(
                $"input '{name}': {values.Count} values in data, shape [{string.Join(",", tensor.Shape)}] needs {count}");
        }
        return (tensor, Encode(name, datatype, values), null);
    }

    private static long? BinarySize(JsonElement parameters, string input)
    {
        if (parameters.ValueKind != JsonValueKind.Object || !parameters.TryGetProperty(BinaryTensorData.DataSize, out var size))
        {
            return null;
        }
        return size.ValueKind == JsonValueKind.Number && size.TryGetInt64(out var bytes) && bytes >= 0
            ? bytes
            : throw InferenceException.Invalid($"input '{input}' parameters: '{BinaryTensorData.DataSize}' must be a whole number of bytes, 0 or more, got {size.GetRawText()}");
    }
    private static void Flatten(JsonElement element, List<JsonElement> values)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                Flatten(item, values);
            }
        }
        else
        {
            values.Add(element);
        }
    }

    private static ByteString Encode(string name, TensorDatatype datatype, List<JsonElement> values)
    {
        if (datatype == TensorDatatype.Bytes)
        {
            var strings = values.Select((v, i) => v.ValueKind == JsonValueKind.String ? Text(v, $"input '{name}': data[{i}]") : throw Bad(name, datatype, v, i)).ToList();
            return UnsafeByteOperations.UnsafeWrap(RawTensor.FromStrings(strings));
        }

        var size = datatype.ElementSize();
        var bytes = new byte[values.Count * size];
        for (var i = 0; i < values.Count; i++)
        {
            var v = values[i];
            var span = bytes.AsSpan(i * size, size);
            if (!TryWrite(datatype, v, span))
            {
                throw Bad(name, datatype, v, i);
            }
        }
        return UnsafeByteOperations.UnsafeWrap(bytes);
    }

    private static bool TryWrite(TensorDatatype datatype, JsonElement v, Span<byte> span)
    {
        if (datatype == TensorDatatype.Bool)
        {
            if (v.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return false;
            }
            span[0] = v.GetBoolean() ? (byte)1 : (byte)0;
            return true;
        }
        if (v.ValueKind != JsonValueKind.Number)
        {
            return false;
        }
        switch (datatype)
        {
            case TensorDatatype.Int8 when v.TryGetSByte(out var i8): span[0] = (byte)i8; return true;
            case TensorDatatype.Int16 when v.TryGetInt16(out var i16): BinaryPrimitives.WriteInt16LittleEndian(span, i16); return true;
            case TensorDatatype.Int32 when v.TryGetInt32(out var i32): BinaryPrimitives.WriteInt32LittleEndian(span, i32); return true;
            case TensorDatatype.Int64 when v.TryGetInt64(out var i64): BinaryPrimitives.WriteInt64LittleEndian(span, i64); return true;
            case TensorDatatype.UInt8 when v.TryGetByte(out var u8): span[0] = u8; return true;
            case TensorDatatype.UInt16 when v.TryGetUInt16(out var u16): BinaryPrimitives.WriteUInt16LittleEndian(span, u16); return true;
            case TensorDatatype.UInt32 when v.TryGetUInt32(out var u32): BinaryPrimitives.WriteUInt32LittleEndian(span, u32); return true;
            case TensorDatatype.UInt64 when v.TryGetUInt64(out var u64): BinaryPrimitives.WriteUInt64LittleEndian(span, u64); return true;
            // A number no double holds (1e400, which the parser reads as infinity) or one past the datatype's range
            // is refused, not turned into infinity. (NaN fails every comparison below, and JSON has no NaN literal.)
            case TensorDatatype.Fp16 when v.TryGetDouble(out var h) && Math.Abs(h) <= (double)Half.MaxValue: BinaryPrimitives.WriteHalfLittleEndian(span, (Half)h); return true;
            case TensorDatatype.Bf16 when v.TryGetDouble(out var b) && Math.Abs(b) <= float.MaxValue: BinaryPrimitives.WriteUInt16LittleEndian(span, BFloat16Bits.FromSingle((float)b)); return true;
            case TensorDatatype.Fp32 when v.TryGetDouble(out var f) && Math.Abs(f) <= float.MaxValue: BinaryPrimitives.WriteSingleLittleEndian(span, (float)f); return true;
            case TensorDatatype.Fp64 when v.TryGetDouble(out var d) && double.IsFinite(d): BinaryPrimitives.WriteDoubleLittleEndian(span, d); return true;
            default: return false;
        }
    }

    private static InferenceException Bad(string name, TensorDatatype datatype, JsonElement value, int index) =>
        InferenceException.Invalid($"input '{name}': data[{index}] = {value.GetRawText()} is not a valid {datatype.ToName()} value");

    private static string RequiredString(JsonElement element, string property, string what) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? Text(value, $"{what} '{property}'")
            : throw InferenceException.Invalid($"{what} needs a string '{property}'");

    /// <summary>A JSON string's text; one that is not valid UTF-8 is the caller's mistake (the endpoint checks the whole body first; this keeps the reader safe on its own).</summary>
    private static string Text(JsonElement value, string what)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw InferenceException.Invalid($"{what} is not valid UTF-8");
        }
    }

    private static void ReadParameters(JsonElement element, Google.Protobuf.Collections.MapField<string, InferParameter> target, string what)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw InferenceException.Invalid($"{what} must be an object");
        }
        foreach (var p in element.EnumerateObject())
        {
            string key;
            try
            {
                key = p.Name;
            }
            catch (InvalidOperationException)
            {
                throw InferenceException.Invalid($"{what}: a parameter name is not valid UTF-8");
            }
            target[key] = p.Value.ValueKind switch
            {
                JsonValueKind.String => new InferParameter { StringParam = Text(p.Value, $"{what}: '{key}'") },
                JsonValueKind.True or JsonValueKind.False => new InferParameter { BoolParam = p.Value.GetBoolean() },
                JsonValueKind.Number when p.Value.TryGetInt64(out var l) => new InferParameter { Int64Param = l },
                JsonValueKind.Number when p.Value.TryGetDouble(out var d) && double.IsFinite(d) => new InferParameter { DoubleParam = d },
                JsonValueKind.Number => throw InferenceException.Invalid($"{what}: '{key}' is {p.Value.GetRawText()}, beyond what a 64-bit float holds"),
                _ => throw InferenceException.Invalid($"{what}: '{key}' must be a string, number or boolean"),
            };
        }
    }
}

/// <summary>A REST inference request: the protocol message and which outputs the caller wants back as binary.</summary>
internal sealed record RestInferRequest(ModelInferRequest Request, BinaryOutputs Outputs);
