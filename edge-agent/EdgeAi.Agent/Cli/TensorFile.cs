using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeAi.Common.Inference;

namespace EdgeAi.Agent.Cli;

/// <summary>A tensor ready to send: datatype, shape and raw little-endian bytes.</summary>
internal sealed record TensorData(TensorDatatype Datatype, long[] Shape, byte[] Raw);

/// <summary>
/// Reads a tensor for <c>edge-agent infer</c> from a NumPy .npy file, a JSON file (a nested array,
/// or {"shape": [...], "data": [...]}), or a raw file of little-endian values.
/// </summary>
internal static partial class TensorFile
{
    /// <param name="expected">The datatype the model wants; JSON and raw files take it, .npy files must match it.</param>
    /// <param name="shape">The shape for a raw file (or to check a JSON array against); null to use the model's static shape.</param>
    public static TensorData Read(string path, TensorDatatype expected, long[]? shape)
    {
        var bytes = File.ReadAllBytes(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".npy" => ReadNpy(bytes, path),
            ".json" => ReadJson(bytes, expected, path),
            _ => ReadRaw(bytes, expected, shape, path),
        };
    }

    private static TensorData ReadRaw(byte[] bytes, TensorDatatype datatype, long[]? shape, string path)
    {
        if (shape is null || shape.Any(d => d < 0))
        {
            throw new FormatException($"{path}: a raw file carries no shape; give --shape (e.g. --shape 1,3,224,224)");
        }
        var needed = shape.Aggregate(1L, (a, d) => a * d) * datatype.ElementSize();
        if (datatype != TensorDatatype.Bytes && bytes.Length != needed)
        {
            throw new FormatException($"{path}: {bytes.Length} bytes, shape [{string.Join(",", shape)}] of {datatype.ToName()} needs {needed}");
        }
        return new TensorData(datatype, shape, bytes);
    }

    private static TensorData ReadJson(byte[] bytes, TensorDatatype datatype, string path)
    {
        using var document = JsonDocument.Parse(bytes);
        var root = document.RootElement;
        JsonElement data;
        long[]? shape = null;
        if (root.ValueKind == JsonValueKind.Object)
        {
            data = root.TryGetProperty("data", out var d) ? d : throw new FormatException($"{path}: object needs a 'data' array");
            if (root.TryGetProperty("shape", out var s))
            {
                shape = [.. s.EnumerateArray().Select(e => e.GetInt64())];
            }
        }
        else
        {
            data = root;
        }
        var values = new List<JsonElement>();
        var nested = new List<long>();
        Flatten(data, values, nested, 0);
        shape ??= [.. nested];
        if (shape.Aggregate(1L, (a, d) => a * d) != values.Count)
        {
            throw new FormatException($"{path}: {values.Count} values, shape [{string.Join(",", shape)}] needs {shape.Aggregate(1L, (a, d) => a * d)}");
        }
        var raw = datatype == TensorDatatype.Bytes
            ? RawTensor.FromStrings([.. values.Select(v => v.ToString())])
            : RawTensor.FromDoubles(datatype, [.. values.Select(v => v.ValueKind switch
            {
                JsonValueKind.True => 1d,
                JsonValueKind.False => 0d,
                _ => v.GetDouble(),
            })]);
        return new TensorData(datatype, shape, raw);
    }

    private static void Flatten(JsonElement element, List<JsonElement> values, List<long> shape, int depth)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            values.Add(element);
            return;
        }
        var length = element.GetArrayLength();
        if (shape.Count == depth)
        {
            shape.Add(length);
        }
        foreach (var item in element.EnumerateArray())
        {
            Flatten(item, values, shape, depth + 1);
        }
    }

    private static TensorData ReadNpy(byte[] bytes, string path)
    {
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
        {
            throw new FormatException($"{path}: not a NumPy .npy file (bad magic)");
        }
        var major = bytes[6];
        var (headerLength, headerStart) = major == 1
            ? (BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)), 10)
            : ((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)), 12);
        var header = Encoding.ASCII.GetString(bytes, headerStart, headerLength);
        var descr = DescrPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !shapeMatch.Success)
        {
            throw new FormatException($"{path}: unreadable .npy header: {header.Trim()}");
        }
        if (header.Contains("'fortran_order': True", StringComparison.Ordinal))
        {
            throw new FormatException($"{path}: Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
        }
        var datatype = descr.Groups[1].Value switch
        {
            "<f4" => TensorDatatype.Fp32,
            "<f8" => TensorDatatype.Fp64,
            "<f2" => TensorDatatype.Fp16,
            "|b1" => TensorDatatype.Bool,
            "|u1" => TensorDatatype.UInt8,
            "|i1" => TensorDatatype.Int8,
            "<i2" => TensorDatatype.Int16,
            "<u2" => TensorDatatype.UInt16,
            "<i4" => TensorDatatype.Int32,
            "<u4" => TensorDatatype.UInt32,
            "<i8" => TensorDatatype.Int64,
            "<u8" => TensorDatatype.UInt64,
            var other => throw new FormatException($"{path}: NumPy dtype '{other}' is not supported (little-endian numbers and bools only)"),
        };
        long[] shape = [.. shapeMatch.Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.Parse(s, CultureInfo.InvariantCulture))];
        var data = bytes[(headerStart + headerLength)..];
        var needed = shape.Aggregate(1L, (a, d) => a * d) * datatype.ElementSize();
        if (data.Length != needed)
        {
            throw new FormatException($"{path}: {data.Length} data bytes, shape [{string.Join(",", shape)}] needs {needed}");
        }
        return new TensorData(datatype, shape, data);
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
