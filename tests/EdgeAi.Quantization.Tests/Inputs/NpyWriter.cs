using System.Buffers.Binary;
using System.Text;

namespace EdgeAi.Quantization.Tests.Inputs;

/// <summary>Writes .npy files byte by byte as NumPy's np.save does (header padded to a multiple of 64, ending in a newline), so tests need no Python.</summary>
internal static class NpyWriter
{
    public static string Header(string descr, params long[] shape) =>
        $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({string.Join(", ", shape)}{(shape.Length == 1 ? "," : "")}), }}";

    public static byte[] Bytes(string header, byte[] data, int major = 1)
    {
        var preamble = major == 1 ? 10 : 12;
        var text = header;
        while ((preamble + text.Length + 1) % 64 != 0)
        {
            text += ' ';
        }
        text += '\n';
        var encoded = major == 3 ? Encoding.UTF8.GetBytes(text) : Encoding.Latin1.GetBytes(text);
        var file = new byte[preamble + encoded.Length + data.Length];
        file[0] = 0x93;
        "NUMPY"u8.CopyTo(file.AsSpan(1));
        file[6] = (byte)major;
        if (major == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(8), (ushort)encoded.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), (uint)encoded.Length);
        }
        encoded.CopyTo(file.AsSpan(preamble));
        data.CopyTo(file.AsSpan(preamble + encoded.Length));
        return file;
    }

    public static byte[] Floats(params float[] values)
    {
        var data = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), values[i]);
        }
        return data;
    }

    public static float[] ToFloats(byte[] data)
    {
        var values = new float[data.Length / 4];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(i * 4));
        }
        return values;
    }

    /// <summary>A float32 file of <paramref name="shape"/> whose values are 0, 1, 2, … plus <paramref name="start"/>.</summary>
    public static void WriteFloats(string path, float start, params long[] shape)
    {
        var n = (int)shape.Aggregate(1L, (a, d) => a * d);
        File.WriteAllBytes(path, Bytes(Header("<f4", shape), Floats([.. Enumerable.Range(0, n).Select(i => start + i)])));
    }
}

/// <summary>A fresh directory under the temp folder, removed when the test ends.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgeai-calib-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Folder(string name) => Directory.CreateDirectory(File(name)).FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
