using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using EdgeAi.Common.Onnx;

namespace EdgeAi.Quantization.Inputs;

/// <summary>
/// The header of a NumPy <c>.npy</c> file (format versions 1, 2 and 3): the magic <c>\x93NUMPY</c>, the version, the
/// header's length (2 bytes in v1, 4 in v2/v3), then a Python dict literal with <c>descr</c>, <c>fortran_order</c> and
/// <c>shape</c>; the array's bytes follow, C order. Only plain little-endian numbers (and bools) are taken: big-endian,
/// Fortran order, object and structured arrays are refused, and so is a file whose length is not what its header says.
/// Every message starts with the file's path.
/// </summary>
internal sealed record NpyHeader(string Path, string Descr, int ElementType, int ElementSize, long[] Shape, long DataOffset)
{
    /// <summary>The most header bytes read (NumPy itself writes under 200; it refuses more than 10,000 by default).</summary>
    private const int MaxHeaderLength = 1 << 16;

    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public long Elements => Shape.Aggregate(1L, (a, d) => a * d);

    public long DataLength => Elements * ElementSize;

    /// <summary>Reads and checks the header and the file's length against it; reads no data.</summary>
    public static NpyHeader Read(string path)
    {
        using var stream = Open(path);
        var prefix = new byte[12];
        var got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        if (got < 10 || !prefix.AsSpan(0, 6).SequenceEqual(Magic))
        {
            throw Bad(path, got < 6 || !prefix.AsSpan(0, 6).SequenceEqual(Magic)
                ? $"not a NumPy .npy file: it does not start with the magic \\x93NUMPY ({stream.Length} bytes)"
                : $"truncated: {stream.Length} bytes, too few for a .npy preamble");
        }
        var major = prefix[6];
        if (major is not (1 or 2 or 3))
        {
            throw Bad(path, $".npy format version {major}.{prefix[7]} is not supported (1.0, 2.0 and 3.0 are)");
        }
        var (length, start) = major == 1
            ? (BinaryPrimitives.ReadUInt16LittleEndian(prefix.AsSpan(8)), 10L)
            : (BinaryPrimitives.ReadUInt32LittleEndian(prefix.AsSpan(8)), 12L);
        if (major > 1 && got < 12)
        {
            throw Bad(path, $"truncated: {stream.Length} bytes, too few for a version {major} .npy preamble (12)");
        }
        if (length > MaxHeaderLength)
        {
            throw Bad(path, $"the .npy header claims {length:N0} bytes, more than the {MaxHeaderLength:N0} a header may have");
        }
        if (start + length > stream.Length)
        {
            throw Bad(path, $"truncated: the .npy header claims {length} bytes, the file holds {stream.Length - start} after the preamble");
        }
        var header = new byte[length];
        stream.Position = start;
        stream.ReadExactly(header);
        // v1 and v2 headers are latin-1 (ASCII in practice), v3 UTF-8.
        var text = major == 3 ? Encoding.UTF8.GetString(header) : Encoding.Latin1.GetString(header);
        var fields = NpyDict.Parse(path, text);
        var (elementType, size) = ElementTypeOf(path, fields.Descr);
        if (fields.FortranOrder)
        {
            throw Bad(path, "the array is in Fortran order; save it in C order (np.save(path, np.ascontiguousarray(a)))");
        }
        var npy = new NpyHeader(path, fields.Descr, elementType, size, fields.Shape, start + length);
        var data = stream.Length - npy.DataOffset;
        if (data != npy.DataLength)
        {
            throw Bad(path, data < npy.DataLength
                ? $"truncated: shape {Format(npy.Shape)} of '{fields.Descr}' needs {npy.DataLength:N0} data bytes, the file holds {data:N0}"
                : $"the header says shape {Format(npy.Shape)} of '{fields.Descr}' ({npy.DataLength:N0} bytes), but {data:N0} data bytes follow it");
        }
        return npy;
    }

    /// <summary>Reads <paramref name="count"/> bytes of data starting <paramref name="offset"/> bytes into the array.</summary>
    public byte[] ReadData(long offset, long count)
    {
        using var stream = Open(Path);
        if (stream.Length != DataOffset + DataLength)
        {
            throw Bad(Path, $"changed since it was opened: {stream.Length:N0} bytes, {DataOffset + DataLength:N0} expected");
        }
        var data = new byte[count];
        stream.Position = DataOffset + offset;
        stream.ReadExactly(data);
        return data;
    }

    public static string Format(IEnumerable<long> shape) => "(" + string.Join(", ", shape) + ")";

    private static FileStream Open(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QuantizationException($"{path}: cannot be read: {e.Message}", e);
        }
    }

    private static (int ElementType, int Size) ElementTypeOf(string path, string descr)
    {
        if (descr.Length >= 2 && descr[0] == '>' && descr[1..] is not ("u1" or "i1" or "b1"))
        {
            throw Bad(path, $"dtype '{descr}' is big-endian; save it little-endian (a.astype('<{descr[1..]}'))");
        }
        return descr switch
        {
            "<f4" => (OnnxElementType.Float, 4),
            "<f2" => (OnnxElementType.Float16, 2),
            "<f8" => (OnnxElementType.Double, 8),
            "<i8" => (OnnxElementType.Int64, 8),
            "<i4" => (OnnxElementType.Int32, 4),
            "<i2" => (OnnxElementType.Int16, 2),
            "<u2" => (OnnxElementType.UInt16, 2),
            "<u4" => (OnnxElementType.UInt32, 4),
            "<u8" => (OnnxElementType.UInt64, 8),
            "|u1" or "<u1" or ">u1" => (OnnxElementType.UInt8, 1),
            "|i1" or "<i1" or ">i1" => (OnnxElementType.Int8, 1),
            "|b1" or "<b1" or ">b1" => (OnnxElementType.Bool, 1),
            "|O" or "<O" or ">O" => throw Bad(path, "it holds an object array (pickled Python objects), which is never read; save a numeric array"),
            _ => throw Bad(path, $"dtype '{descr}' is not supported; use one of <f4, <f2, <f8, <i8, <i4, <i2, <u2, <u4, <u8, |u1, |i1, |b1"),
        };
    }

    internal static QuantizationException Bad(string path, string why) => new($"{path}: {why}");

    /// <summary>The header dict: <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (1, 3, 224, 224), }</c>.</summary>
    private sealed record NpyDict(string Descr, bool FortranOrder, long[] Shape)
    {
        public static NpyDict Parse(string path, string text)
        {
            var reader = new Reader(path, text.TrimEnd('\n', ' ', '\0'));
            string? descr = null;
            bool? fortran = null;
            long[]? shape = null;
            reader.Expect('{');
            while (!reader.TryTake('}'))
            {
                var key = reader.String();
                reader.Expect(':');
                switch (key)
                {
                    case "descr":
                        descr = reader.Peek() == '[' ? throw Bad(path, "it holds a structured array (a list of fields in 'descr'); save one plain numeric array per input") : reader.String();
                        break;
                    case "fortran_order":
                        fortran = reader.Boolean();
                        break;
                    case "shape":
                        shape = reader.Tuple();
                        break;
                    default:
                        throw Bad(path, $"unreadable .npy header: unknown key '{key}' in {text.Trim()}");
                }
                if (!reader.TryTake(','))
                {
                    reader.Expect('}');
                    break;
                }
            }
            reader.End();
            if (descr is null || fortran is null || shape is null)
            {
                var missing = new[] { descr is null ? "descr" : null, fortran is null ? "fortran_order" : null, shape is null ? "shape" : null }.OfType<string>();
                throw Bad(path, $"unreadable .npy header: no {string.Join(", ", missing)} in {text.Trim()}");
            }
            return new NpyDict(descr, fortran.Value, shape);
        }
    }

    /// <summary>The little of Python's literal syntax a .npy header uses: quoted strings, True/False, tuples of ints.</summary>
    private sealed class Reader(string path, string text)
    {
        private int _at;

        public char Peek()
        {
            SkipSpace();
            return _at < text.Length ? text[_at] : '\0';
        }

        public bool TryTake(char c)
        {
            if (Peek() != c)
            {
                return false;
            }
            _at++;
            return true;
        }

        public void Expect(char c)
        {
            if (!TryTake(c))
            {
                throw Unreadable($"'{c}' expected");
            }
        }

        public void End()
        {
            if (Peek() != '\0')
            {
                throw Unreadable("text after the dict");
            }
        }

        public string String()
        {
            var quote = Peek();
            if (quote is not ('\'' or '"'))
            {
                throw Unreadable("a quoted string expected");
            }
            var close = text.IndexOf(quote, _at + 1);
            if (close < 0)
            {
                throw Unreadable("an unterminated string");
            }
            var value = text[(_at + 1)..close];
            _at = close + 1;
            return value;
        }

        public bool Boolean()
        {
            Peek();
            foreach (var (word, value) in new[] { ("True", true), ("False", false) })
            {
                if (string.CompareOrdinal(text, _at, word, 0, word.Length) == 0)
                {
                    _at += word.Length;
                    return value;
                }
            }
            throw Unreadable("True or False expected");
        }

        public long[] Tuple()
        {
            Expect('(');
            var dims = new List<long>();
            while (!TryTake(')'))
            {
                SkipSpace();
                var start = _at;
                while (_at < text.Length && char.IsAsciiDigit(text[_at]))
                {
                    _at++;
                }
                // Python 2 wrote 3L for longs.
                var digits = text[start.._at];
                if (_at < text.Length && text[_at] == 'L')
                {
                    _at++;
                }
                if (digits.Length == 0 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var dim))
                {
                    throw Unreadable("a tuple of non-negative integers expected as the shape");
                }
                dims.Add(dim);
                if (!TryTake(','))
                {
                    Expect(')');
                    break;
                }
            }
            var elements = 1L;
            foreach (var d in dims)
            {
                elements = d == 0 ? 0 : elements > long.MaxValue / Math.Max(d, 1) / 8 ? throw Bad(path, $"the shape {Format(dims)} is too large") : elements * d;
            }
            return [.. dims];
        }

        private void SkipSpace()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at]))
            {
                _at++;
            }
        }

        private QuantizationException Unreadable(string why) =>
            Bad(path, $"unreadable .npy header ({why} at character {_at}): {text.Trim()}");
    }
}
