namespace EdgeAi.Common.Inference;

/// <summary>
/// The Open Inference Protocol's tensor datatypes, with the facts every converter needs:
/// element size on the wire and the ONNX element type they correspond to.
/// </summary>
public enum TensorDatatype
{
    Bool,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Int8,
    Int16,
    Int32,
    Int64,
    Fp16,
    Bf16,
    Fp32,
    Fp64,
    Bytes,
}

public static class TensorDatatypes
{
    private static readonly Dictionary<string, TensorDatatype> ByName = new(StringComparer.Ordinal)
    {
        ["BOOL"] = TensorDatatype.Bool,
        ["UINT8"] = TensorDatatype.UInt8,
        ["UINT16"] = TensorDatatype.UInt16,
        ["UINT32"] = TensorDatatype.UInt32,
        ["UINT64"] = TensorDatatype.UInt64,
        ["INT8"] = TensorDatatype.Int8,
        ["INT16"] = TensorDatatype.Int16,
        ["INT32"] = TensorDatatype.Int32,
        ["INT64"] = TensorDatatype.Int64,
        ["FP16"] = TensorDatatype.Fp16,
        ["BF16"] = TensorDatatype.Bf16,
        ["FP32"] = TensorDatatype.Fp32,
        ["FP64"] = TensorDatatype.Fp64,
        ["BYTES"] = TensorDatatype.Bytes,
    };

    /// <summary>All datatype names in the protocol's spelling, for error messages.</summary>
    public static string AllNames => string.Join(", ", ByName.Keys);

    public static bool TryParse(string name, out TensorDatatype datatype) => ByName.TryGetValue(name, out datatype);

    public static string ToName(this TensorDatatype datatype) => datatype switch
    {
        TensorDatatype.Bool => "BOOL",
        TensorDatatype.UInt8 => "UINT8",
        TensorDatatype.UInt16 => "UINT16",
        TensorDatatype.UInt32 => "UINT32",
        TensorDatatype.UInt64 => "UINT64",
        TensorDatatype.Int8 => "INT8",
        TensorDatatype.Int16 => "INT16",
        TensorDatatype.Int32 => "INT32",
        TensorDatatype.Int64 => "INT64",
        TensorDatatype.Fp16 => "FP16",
        TensorDatatype.Bf16 => "BF16",
        TensorDatatype.Fp32 => "FP32",
        TensorDatatype.Fp64 => "FP64",
        TensorDatatype.Bytes => "BYTES",
        _ => throw new ArgumentOutOfRangeException(nameof(datatype), datatype, null),
    };

    /// <summary>Bytes per element in raw contents; 0 for BYTES, whose elements are length-prefixed.</summary>
    public static int ElementSize(this TensorDatatype datatype) => datatype switch
    {
        TensorDatatype.Bool or TensorDatatype.UInt8 or TensorDatatype.Int8 => 1,
        TensorDatatype.UInt16 or TensorDatatype.Int16 or TensorDatatype.Fp16 or TensorDatatype.Bf16 => 2,
        TensorDatatype.UInt32 or TensorDatatype.Int32 or TensorDatatype.Fp32 => 4,
        TensorDatatype.UInt64 or TensorDatatype.Int64 or TensorDatatype.Fp64 => 8,
        TensorDatatype.Bytes => 0,
        _ => throw new ArgumentOutOfRangeException(nameof(datatype), datatype, null),
    };

    /// <summary>Maps an ONNX element type (TensorProto.DataType value) to the protocol datatype, if it has one.</summary>
    public static bool TryFromOnnx(int onnxElementType, out TensorDatatype datatype)
    {
        TensorDatatype? mapped = onnxElementType switch
        {
            1 => TensorDatatype.Fp32,
            2 => TensorDatatype.UInt8,
            3 => TensorDatatype.Int8,
            4 => TensorDatatype.UInt16,
            5 => TensorDatatype.Int16,
            6 => TensorDatatype.Int32,
            7 => TensorDatatype.Int64,
            8 => TensorDatatype.Bytes,
            9 => TensorDatatype.Bool,
            10 => TensorDatatype.Fp16,
            11 => TensorDatatype.Fp64,
            12 => TensorDatatype.UInt32,
            13 => TensorDatatype.UInt64,
            16 => TensorDatatype.Bf16,
            _ => null,
        };
        datatype = mapped.GetValueOrDefault();
        return mapped.HasValue;
    }

    /// <summary>The ONNX element type (TensorProto.DataType value) for a protocol datatype.</summary>
    public static int ToOnnx(this TensorDatatype datatype) => datatype switch
    {
        TensorDatatype.Fp32 => 1,
        TensorDatatype.UInt8 => 2,
        TensorDatatype.Int8 => 3,
        TensorDatatype.UInt16 => 4,
        TensorDatatype.Int16 => 5,
        TensorDatatype.Int32 => 6,
        TensorDatatype.Int64 => 7,
        TensorDatatype.Bytes => 8,
        TensorDatatype.Bool => 9,
        TensorDatatype.Fp16 => 10,
        TensorDatatype.Fp64 => 11,
        TensorDatatype.UInt32 => 12,
        TensorDatatype.UInt64 => 13,
        TensorDatatype.Bf16 => 16,
        _ => throw new ArgumentOutOfRangeException(nameof(datatype), datatype, null),
    };
}
