using System.Buffers.Binary;
using System.Text;

namespace EdgeAi.Common.Inference;

/// <summary>
/// Converts between the protocol's raw tensor bytes (little-endian, row-major; BYTES elements
/// length-prefixed) and numbers or strings, for tools that read or print tensors.
/// </summary>
public static class RawTensor
{
    public static double[] ToDoubles(TensorDatatype datatype, ReadOnlySpan<byte> raw)
    {
        if (datatype == TensorDatatype.Bytes)
        {
            throw new ArgumentException("BYTES tensors hold strings; use ToStrings", nameof(datatype));
        }
        var size = datatype.ElementSize();
        var values = new double[raw.Length / size];
        for (var i = 0; i < values.Length; i++)
        {
            var e = raw.Slice(i * size, size);
            values[i] = datatype switch
            {
                TensorDatatype.Bool => e[0] != 0 ? 1 : 0,
                TensorDatatype.Int8 => (sbyte)e[0],
                TensorDatatype.UInt8 => e[0],
                TensorDatatype.Int16 => BinaryPrimitives.ReadInt16LittleEndian(e),
                TensorDatatype.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(e),
                TensorDatatype.Int32 => BinaryPrimitives.ReadInt32LittleEndian(e),
                TensorDatatype.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(e),
                TensorDatatype.Int64 => BinaryPrimitives.ReadInt64LittleEndian(e),
                TensorDatatype.UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(e),
                TensorDatatype.Fp16 => (double)BinaryPrimitives.ReadHalfLittleEndian(e),
                TensorDatatype.Bf16 => BFloat16Bits.ToSingle(BinaryPrimitives.ReadUInt16LittleEndian(e)),
                TensorDatatype.Fp32 => BinaryPrimitives.ReadSingleLittleEndian(e),
                TensorDatatype.Fp64 => BinaryPrimitives.ReadDoubleLittleEndian(e),
                _ => throw new ArgumentOutOfRangeException(nameof(datatype), datatype, null),
            };
        }
        return values;
    }

    public static byte[] FromDoubles(TensorDatatype datatype, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (datatype == TensorDatatype.Bytes)
        {
            return FromStrings(values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList());
        }
        var size = datatype.ElementSize();
        var raw = new byte[values.Count * size];
        for (var i = 0; i < values.Count; i++)
        {
            var e = raw.AsSpan(i * size, size);
            var v = values[i];
            switch (datatype)
            {
                case TensorDatatype.Bool: e[0] = v != 0 ? (byte)1 : (byte)0; break;
                case TensorDatatype.Int8: e[0] = (byte)checked((sbyte)v); break;
                case TensorDatatype.UInt8: e[0] = checked((byte)v); break;
                case TensorDatatype.Int16: BinaryPrimitives.WriteInt16LittleEndian(e, checked((short)v)); break;
                case TensorDatatype.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(e, checked((ushort)v)); break;
                case TensorDatatype.Int32: BinaryPrimitives.WriteInt32LittleEndian(e, checked((int)v)); break;
                case TensorDatatype.UInt32: BinaryPrimitives.WriteUInt32LittleEndian(e, checked((uint)v)); break;
                case TensorDatatype.Int64: BinaryPrimitives.WriteInt64LittleEndian(e, checked((long)v)); break;
                case TensorDatatype.UInt64: BinaryPrimitives.WriteUInt64LittleEndian(e, checked((ulong)v)); break;
                case TensorDatatype.Fp16: BinaryPrimitives.WriteHalfLittleEndian(e, (Half)v); break;
                case TensorDatatype.Bf16: BinaryPrimitives.WriteUInt16LittleEndian(e, BFloat16Bits.FromSingle((float)v)); break;
                case TensorDatatype.Fp32: BinaryPrimitives.WriteSingleLittleEndian(e, (float)v); break;
                case TensorDatatype.Fp64: BinaryPrimitives.WriteDoubleLittleEndian(e, v); break;
                default: throw new ArgumentOutOfRangeException(nameof(datatype), datatype, null);
            }
        }
        return raw;
    }

    public static byte[] FromStrings(IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var encoded = values.Select(Encoding.UTF8.GetBytes).ToList();
        var raw = new byte[encoded.Sum(e => 4 + e.Length)];
        var offset = 0;
        foreach (var e in encoded)
        {
            BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(offset), e.Length);
            e.CopyTo(raw, offset + 4);
            offset += 4 + e.Length;
        }
        return raw;
    }

    public static IReadOnlyList<string> ToStrings(ReadOnlySpan<byte> raw)
    {
        var values = new List<string>();
        while (raw.Length >= 4)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(raw);
            if (length > raw.Length - 4)
            {
                throw new FormatException($"BYTES element {values.Count} claims {length} bytes, only {raw.Length - 4} remain");
            }
            values.Add(Encoding.UTF8.GetString(raw.Slice(4, length)));
            raw = raw[(4 + length)..];
        }
        return values;
    }
}
