using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using EdgeAi.Common.Inference;
using Google.Protobuf.Collections;

namespace EdgeAi.Serving.Protocol;

/// <summary>Writes protocol responses as the REST/JSON form (flattened row-major data), without reflection.</summary>
internal static class RestResponseWriter
{
    /// <summary>
    /// The JSON response; outputs marked in <paramref name="binary"/> give <c>binary_data_size</c> instead of
    /// <c>data</c>, their bytes to follow the JSON in the body (the binary tensor data extension).
    /// </summary>
    public static void WriteInfer(Utf8JsonWriter json, ModelInferResponse response, IReadOnlyList<bool>? binary = null)
    {
        json.WriteStartObject();
        json.WriteString("model_name", response.ModelName);
        json.WriteString("model_version", response.ModelVersion);
        if (response.Id.Length > 0)
        {
            json.WriteString("id", response.Id);
        }
        WriteParameters(json, response.Parameters);
        json.WriteStartArray("outputs");
        for (var i = 0; i < response.Outputs.Count; i++)
        {
            var output = response.Outputs[i];
            json.WriteStartObject();
            json.WriteString("name", output.Name);
            json.WriteString("datatype", output.Datatype);
            WriteShape(json, output.Shape);
            if (output.Parameters.ContainsKey(SharedMemory.SharedMemoryParameters.Region))
            {
                // Written into the region named; answered with its shared-memory parameters and no data (as Triton does).
                WriteParameters(json, output.Parameters);
                json.WriteEndObject();
                continue;
            }
            if (binary is not null && binary[i])
            {
                json.WriteStartObject("parameters");
                json.WriteNumber(BinaryTensorData.DataSize, response.RawOutputContents[i].Length);
                json.WriteEndObject();
                json.WriteEndObject();
                continue;
            }
            json.WriteStartArray("data");
            if (i < response.RawOutputContents.Count)
            {
                WriteRaw(json, output.Datatype, response.RawOutputContents[i].Span);
            }
            else if (output.Contents is not null)
            {
                WriteTyped(json, output.Contents);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    public static void WriteMetadata(Utf8JsonWriter json, ModelMetadataResponse metadata)
    {
        json.WriteStartObject();
        json.WriteString("name", metadata.Name);
        WriteStrings(json, "versions", metadata.Versions);
        json.WriteString("platform", metadata.Platform);
        WriteTensors(json, "inputs", metadata.Inputs);
        WriteTensors(json, "outputs", metadata.Outputs);
        WriteParameters(json, metadata.Parameters);
        json.WriteEndObject();
    }

    private static void WriteTensors(Utf8JsonWriter json, string property, RepeatedField<ModelMetadataResponse.Types.TensorMetadata> tensors)
    {
        json.WriteStartArray(property);
        foreach (var t in tensors)
        {
            json.WriteStartObject();
            json.WriteString("name", t.Name);
            json.WriteString("datatype", t.Datatype);
            WriteShape(json, t.Shape);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    public static void WriteStrings(Utf8JsonWriter json, string property, IEnumerable<string> values)
    {
        json.WriteStartArray(property);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }
        json.WriteEndArray();
    }

    private static void WriteShape(Utf8JsonWriter json, IEnumerable<long> shape)
    {
        json.WriteStartArray("shape");
        foreach (var d in shape)
        {
            json.WriteNumberValue(d);
        }
        json.WriteEndArray();
    }

    private static void WriteParameters(Utf8JsonWriter json, MapField<string, InferParameter> parameters)
    {
        if (parameters.Count == 0)
        {
            return;
        }
        json.WriteStartObject("parameters");
        foreach (var (key, value) in parameters)
        {
            switch (value.ParameterChoiceCase)
            {
                case InferParameter.ParameterChoiceOneofCase.BoolParam: json.WriteBoolean(key, value.BoolParam); break;
                case InferParameter.ParameterChoiceOneofCase.Int64Param: json.WriteNumber(key, value.Int64Param); break;
                case InferParameter.ParameterChoiceOneofCase.Uint64Param: json.WriteNumber(key, value.Uint64Param); break;
                case InferParameter.ParameterChoiceOneofCase.DoubleParam: json.WriteNumber(key, value.DoubleParam); break;
                default: json.WriteString(key, value.StringParam); break;
            }
        }
        json.WriteEndObject();
    }

    private static void WriteRaw(Utf8JsonWriter json, string datatypeName, ReadOnlySpan<byte> raw)
    {
        if (!TensorDatatypes.TryParse(datatypeName, out var datatype))
        {
            return;
        }
        if (datatype == TensorDatatype.Bytes)
        {
            while (raw.Length >= 4)
            {
                var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(raw);
                json.WriteStringValue(Encoding.UTF8.GetString(raw.Slice(4, length)));
                raw = raw[(4 + length)..];
            }
            return;
        }
        var size = datatype.ElementSize();
        for (var offset = 0; offset + size <= raw.Length; offset += size)
        {
            var e = raw.Slice(offset, size);
            switch (datatype)
            {
                case TensorDatatype.Bool: json.WriteBooleanValue(e[0] != 0); break;
                case TensorDatatype.Int8: json.WriteNumberValue((sbyte)e[0]); break;
                case TensorDatatype.UInt8: json.WriteNumberValue(e[0]); break;
                case TensorDatatype.Int16: json.WriteNumberValue(BinaryPrimitives.ReadInt16LittleEndian(e)); break;
                case TensorDatatype.UInt16: json.WriteNumberValue(BinaryPrimitives.ReadUInt16LittleEndian(e)); break;
                case TensorDatatype.Int32: json.WriteNumberValue(BinaryPrimitives.ReadInt32LittleEndian(e)); break;
                case TensorDatatype.UInt32: json.WriteNumberValue(BinaryPrimitives.ReadUInt32LittleEndian(e)); break;
                case TensorDatatype.Int64: json.WriteNumberValue(BinaryPrimitives.ReadInt64LittleEndian(e)); break;
                case TensorDatatype.UInt64: json.WriteNumberValue(BinaryPrimitives.ReadUInt64LittleEndian(e)); break;
                case TensorDatatype.Fp16: WriteFloat(json, (float)BinaryPrimitives.ReadHalfLittleEndian(e)); break;
                case TensorDatatype.Bf16: WriteFloat(json, BFloat16Bits.ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(e))); break;
                case TensorDatatype.Fp32: WriteFloat(json, BinaryPrimitives.ReadSingleLittleEndian(e)); break;
                case TensorDatatype.Fp64: WriteDouble(json, BinaryPrimitives.ReadDoubleLittleEndian(e)); break;
                default: break;
            }
        }
    }

    // JSON has no NaN or infinity; the protocol's JSON form leaves them out of scope, so they become null.
    private static void WriteFloat(Utf8JsonWriter json, float value)
    {
        if (float.IsFinite(value))
        {
            json.WriteNumberValue(value);
        }
        else
        {
            json.WriteNullValue();
        }
    }

    private static void WriteDouble(Utf8JsonWriter json, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumberValue(value);
        }
        else
        {
            json.WriteNullValue();
        }
    }

    private static void WriteTyped(Utf8JsonWriter json, InferTensorContents c)
    {
        foreach (var v in c.BoolContents) { json.WriteBooleanValue(v); }
        foreach (var v in c.IntContents) { json.WriteNumberValue(v); }
        foreach (var v in c.Int64Contents) { json.WriteNumberValue(v); }
        foreach (var v in c.UintContents) { json.WriteNumberValue(v); }
        foreach (var v in c.Uint64Contents) { json.WriteNumberValue(v); }
        foreach (var v in c.Fp32Contents) { WriteFloat(json, v); }
        foreach (var v in c.Fp64Contents) { WriteDouble(json, v); }
        foreach (var v in c.BytesContents) { json.WriteStringValue(v.ToStringUtf8()); }
    }
}
