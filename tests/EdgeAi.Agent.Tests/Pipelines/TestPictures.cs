using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using EdgeAi.Agent.Pipelines;
using EdgeAi.Imaging;

namespace EdgeAi.Agent.Tests.Pipelines;

/// <summary>Small images made by hand, so what a test expects does not come from the code it tests.</summary>
internal static class TestPictures
{
    /// <summary>An RGB image whose pixel (x, y) is <paramref name="pixel"/>(x, y).</summary>
    public static RgbImage Rgb(int width, int height, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        var bytes = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                var i = (y * width + x) * 3;
                (bytes[i], bytes[i + 1], bytes[i + 2]) = (r, g, b);
            }
        }
        return new RgbImage(width, height, bytes);
    }

    /// <summary>
    /// A PNG written from the specification (signature, IHDR, one zlib IDAT of filter-0 rows, IEND, each with its
    /// CRC-32), 8-bit RGB, not interlaced.
    /// </summary>
    public static byte[] Png(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), image.Height);
        header[8] = 8; // bit depth
        header[9] = 2; // truecolour
        Chunk(png, "IHDR", header);
        using var raw = new MemoryStream();
        using (var zlib = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (var y = 0; y < image.Height; y++)
            {
                zlib.WriteByte(0); // filter: none
                zlib.Write(image.Pixels, y * image.Width * 3, image.Width * 3);
            }
        }
        Chunk(png, "IDAT", raw.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>A PNG that is only a signature and an IHDR claiming <paramref name="width"/> × <paramref name="height"/>: a decompression bomb's header.</summary>
    public static byte[] PngHeaderOnly(uint width, uint height)
    {
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;
        header[9] = 2;
        Chunk(png, "IHDR", header);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        png.Write(word);
    }

    // CRC-32 as the PNG specification gives it (polynomial 0xEDB88320, reflected).
    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }
        return crc ^ 0xFFFFFFFFu;
    }
}
