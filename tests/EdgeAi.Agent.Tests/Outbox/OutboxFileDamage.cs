using System.Buffers.Binary;
using EdgeAi.Agent.Outbox;

namespace EdgeAi.Agent.Tests.Outbox;

/// <summary>Damages real outbox files the way disks do: a page overwritten with garbage, a file cut short.</summary>
internal static class OutboxFileDamage
{
    public const int PageSize = OutboxFileReader.PageSize;

    /// <summary>A data page of the collection from the middle of the data file.</summary>
    public static int MiddleDataPage(string path, string collection)
    {
        var pages = DataPages(path, collection);
        return pages[pages.Count / 2];
    }

    /// <summary>The collection's last data page: the one with free space, where the next record goes.</summary>
    public static int LastDataPage(string path, string collection) => DataPages(path, collection)[^1];

    /// <summary>The collection's data pages in file order (LiteDB 5 page header: type at byte 4, 4 = data; owning collection at byte 19).</summary>
    private static List<int> DataPages(string path, string collection)
    {
        var owner = OutboxFileReader.ReadCollectionNames(path)![collection];
        var bytes = File.ReadAllBytes(path);
        var pages = Enumerable.Range(0, bytes.Length / PageSize)
            .Where(p => bytes[(p * PageSize) + 4] == 4 && BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((p * PageSize) + 19)) == owner)
            .ToList();
        pages.Count.ShouldBeGreaterThan(4, $"{collection} should span several data pages for this test to mean anything");
        return pages;
    }

    /// <summary>
    /// In a file encrypted with <paramref name="key"/>: the stored page number (counting the salt page in front)
    /// of a data page of the collection from the middle of the file, found by decrypting each page.
    /// </summary>
    public static int EncryptedMiddleDataPage(string path, string key, string collection)
    {
        var owner = OutboxFileReader.ReadCollectionNames(path, key)![collection];
        using var file = File.OpenHandle(path);
        using var cipher = OutboxCipher.Open(file, key, out _).ShouldNotBeNull();
        var stored = new byte[PageSize];
        var page = new byte[PageSize];
        var pages = new List<int>();
        for (var p = 1; p < RandomAccess.GetLength(file) / PageSize; p++)
        {
            RandomAccess.Read(file, stored, (long)p * PageSize);
            cipher.DecryptPage(stored, page);
            if (page[4] == 4 && BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(19)) == owner)
            {
                pages.Add(p);
            }
        }
        pages.Count.ShouldBeGreaterThan(4, $"{collection} should span several data pages for this test to mean anything");
        return pages[pages.Count / 2];
    }

    /// <summary>The collection's own page (type 2): where LiteDB keeps its free lists and indexes.</summary>
    public static int CollectionPage(string path, string collection) => (int)OutboxFileReader.ReadCollectionNames(path)![collection];

    /// <summary>Overwrites one whole page with random bytes (seeded: the same garbage every run).</summary>
    public static void Overwrite(string path, int page, int seed = 7)
    {
        var garbage = new byte[PageSize];
        new Random(seed).NextBytes(garbage);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        (file.Length / PageSize).ShouldBeGreaterThan(page, "the page to damage is inside the file");
        file.Position = (long)page * PageSize;
        file.Write(garbage);
    }

    /// <summary>Cuts the file in two, mid-page, as a crash during a copy or a full disk leaves it.</summary>
    public static void CutInHalf(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.SetLength((file.Length / 2) + 100);
    }

    /// <summary>Copies a file and its log as they are on disk now, outbox still open: what a killed agent leaves behind.</summary>
    public static void CopyAsKilled(string path, string copy)
    {
        File.Copy(path, copy, overwrite: true);
        var log = OutboxFileReader.LogPathFor(path);
        File.Exists(log).ShouldBeTrue("the outbox should have committed records in its log for this test");
        File.Copy(log, OutboxFileReader.LogPathFor(copy), overwrite: true);
    }
}
