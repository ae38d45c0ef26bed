using System.IO.Compression;
using System.Formats.Tar;

namespace EdgeAi.Testing;

/// <summary>Reads a support bundle (.tar.gz) the way a person opening it would. Also compiled into EdgeAi.Agent.Tests.</summary>
internal static class BundleArchive
{
    /// <summary>Each entry's name and bytes.</summary>
    public static async Task<Dictionary<string, byte[]>> EntriesAsync(byte[] archive, CancellationToken cancellationToken)
    {
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var gzip = new GZipStream(new MemoryStream(archive), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync(copyData: true, cancellationToken) is { } entry)
        {
            using var content = new MemoryStream();
            await entry.DataStream!.CopyToAsync(content, cancellationToken);
            entries.Add(entry.Name, content.ToArray());
        }
        return entries;
    }

    /// <summary>The whole tar stream, headers included (to search it for bytes that must not be there).</summary>
    public static byte[] Decompressed(byte[] archive)
    {
        using var gzip = new GZipStream(new MemoryStream(archive), CompressionMode.Decompress);
        using var tar = new MemoryStream();
        gzip.CopyTo(tar);
        return tar.ToArray();
    }
}
