using System.Buffers.Binary;
using System.Runtime.InteropServices;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Onnx.Proto;
using Google.Protobuf;

namespace EdgeAi.Quantization.Qdq;

/// <summary>Reads FLOAT initializers and writes the quantized ones (ONNX raw data is little-endian).</summary>
internal static class TensorData
{
    public static float[] Floats(TensorProto tensor)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw new QuantizationException($"initializer '{tensor.Name}' is stored outside the model file (external data); quantization takes a self-contained model");
        }

        if (tensor.DataType != OnnxElementType.Float)
        {
            throw new QuantizationException($"initializer '{tensor.Name}' has element type {tensor.DataType}, expected FLOAT (1)");
        }

        if (tensor.RawData.Length > 0)
        {
            var raw = tensor.RawData.Span;
            var values = new float[raw.Length / 4];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.Slice(i * 4, 4));
            }

            return values;
        }

        return [.. tensor.FloatData];
    }

    public static long Count(TensorProto tensor) => tensor.Dims.Aggregate(1L, (a, d) => a * d);

    public static TensorProto Int8(string name, sbyte[] values, IEnumerable<long> dims) =>
        Make(name, OnnxElementType.Int8, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), dims);

    public static TensorProto UInt8(string name, byte[] values, IEnumerable<long> dims) =>
        Make(name, OnnxElementType.UInt8, values, dims);

    public static TensorProto Int32(string name, int[] values, IEnumerable<long> dims)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return Make(name, OnnxElementType.Int32, bytes, dims);
    }

    public static TensorProto Float(string name, float[] values, IEnumerable<long> dims)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return Make(name, OnnxElementType.Float, bytes, dims);
    }

    private static TensorProto Make(string name, int type, byte[] bytes, IEnumerable<long> dims)
    {
        var tensor = new TensorProto { Name = name, DataType = type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
