using System.Buffers.Binary;
using System.Globalization;
using LiteDB;
using Microsoft.Win32.SafeHandles;

namespace EdgeAi.Agent.Outbox;

/// <summary>What a raw read of an outbox file found: its problems (none: the file is whole) and its collections.</summary>
internal sealed class OutboxFileScan
{
    public List<string> Problems { get; } = [];

    /// <summary>By collection name; a collection whose name was lost with the header is named <c>col_{pageId}</c>.</summary>
    public Dictionary<string, ScannedCollection> Collections { get; } = new(StringComparer.Ordinal);

    /// <summary>The collection names the file's header held, or null when the header could not be read.</summary>
    public IReadOnlyDictionary<string, uint>? HeaderCollections { get; set; }

    public bool IsHealthy => Problems.Count == 0;

    /// <summary>Whether the file is encrypted, and whether the key given opens it (when not, nothing else was read).</summary>
    public OutboxFileEncryption Encryption { get; set; }
}

/// <summary>One collection as the pages hold it.</summary>
internal sealed class ScannedCollection(string name, uint pageId)
{
    public string Name { get; set; } = name;

    /// <summary>The collection's page id (LiteDB's "ColID", written on every page the collection owns).</summary>
    public uint PageId { get; } = pageId;

    /// <summary>Documents whose first data block was found.</summary>
    public long Documents { get; set; }

    /// <summary>Entries of the _id index that name a document (whether or not it can be read): what LiteDB would count.</summary>
    public long Indexed { get; set; }

    /// <summary>Documents whose _id is a string (the outbox's meta collection has these; record collections have numbers).</summary>
    public long TextIds { get; set; }

    /// <summary>Documents <see cref="OutboxFileReader.ReadDocuments"/> found but could not read whole.</summary>
    public long Unreadable { get; set; }
}

/// <summary>
/// Reads an outbox file without LiteDB's engine, page by page, the way LiteDB 5.0 lays it out (file
/// format 8): the data file, overlaid by the pages of confirmed transactions in its <c>-log</c> file,
/// as the engine itself restores them. Two uses: the start-up check (every page's header and slot
/// table, every data block chain, every index entry's links checked against the pages they name,
/// the free lists walked; no document parsed), and the salvage of a damaged file (each document that
/// can still be read whole, in _id order, whatever else is broken; only ids and addresses are held
/// in memory, so a million-record file is salvaged in a few tens of megabytes). LiteDB keeps no checksums, so damage inside a
/// page that leaves its structure valid is not seen here; the engine trips over it later and the
/// outbox recovers then. An encrypted file is read with its key, page by page as LiteDB decrypts it
/// (<see cref="OutboxCipher"/>). Written against LiteDB 5.0.21; the outbox tests run it on real files.
/// </summary>
internal sealed class OutboxFileReader : IDisposable
{
    public const int PageSize = 8192;
    private const int PageHeaderSize = 32;
    private const int SlotSize = 4;
    private const uint None = uint.MaxValue;
    private const string HeaderInfo = "** This is a LiteDB file **";
    private const int MaxProblems = 20;

    private enum PageType : byte
    {
        Empty = 0,
        Header = 1,
        Collection = 2,
        Index = 3,
        Data = 4,
        Unreadable = 255,
    }

    private readonly SafeFileHandle _data;
    private readonly SafeFileHandle? _log;
    private readonly OutboxCipher? _dataCipher;
    private readonly OutboxCipher? _logCipher;
    private readonly long _dataPages;
    private readonly byte[] _stored = new byte[PageSize];
    private readonly Dictionary<uint, long> _logPages = [];
    private readonly OutboxFileScan _scan = new();
    private readonly byte[] _page = new byte[PageSize];

    // Per page: type, owner collection, and two 256-bit slot maps (slots in use, and which of them are extend blocks).
    private PageType[] _types = [];
    private uint[] _owners = [];
    private ulong[] _used = [];
    private ulong[] _extend = [];
    private readonly List<uint> _indexPages = [];
    private readonly List<(ulong From, ulong To)> _chains = [];
    private readonly Dictionary<uint, ScannedCollection> _byPage = [];

    private uint _loaded = None;
    private uint _pageCount;

    private OutboxFileReader(string path, string? password)
    {
        _data = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var encrypted = OutboxCipher.IsEncrypted(_data);
        if (encrypted)
        {
            _dataCipher = OutboxCipher.Open(_data, password, out var state);
            _scan.Encryption = state;
        }
        var length = Math.Max(RandomAccess.GetLength(_data) - Offset(_dataCipher), 0);
        _dataPages = length / PageSize;
        if (length % PageSize != 0)
        {
            Problem($"the data file is {length} bytes, not a whole number of {PageSize}-byte pages (cut short?)");
        }
        var logPath = LogPathFor(path);
        if (File.Exists(logPath))
        {
            _log = File.OpenHandle(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            // The log has a salt of its own; an empty data file (cut to nothing) leaves the log to say.
            var logEncrypted = OutboxCipher.IsEncrypted(_log);
            if (encrypted && !logEncrypted && RandomAccess.GetLength(_log) > 0)
            {
                // LiteDB refuses such a pair ("File is not encrypted"); the data file can still be read.
                Problem("the log is not encrypted like its data file; it is left unread");
                _log.Dispose();
                _log = null;
            }
            else if (logEncrypted && (encrypted || length == 0))
            {
                _logCipher = OutboxCipher.Open(_log, password, out var state);
                if (_scan.Encryption is OutboxFileEncryption.Plain or OutboxFileEncryption.Encrypted)
                {
                    _scan.Encryption = state;
                }
            }
        }
        // First, as the reason the file is unreadable (a size problem above is beside the point).
        if (_scan.Encryption == OutboxFileEncryption.NoKey)
        {
            _scan.Problems.Insert(0, "the file is encrypted and no key was given; its records cannot be read without the key it was written with");
        }
        else if (_scan.Encryption == OutboxFileEncryption.WrongKey)
        {
            _scan.Problems.Insert(0, "the file is encrypted with another key; its records cannot be read without the key it was written with");
        }
    }

    private bool Locked => _scan.Encryption is OutboxFileEncryption.NoKey or OutboxFileEncryption.WrongKey;

    private static long Offset(OutboxCipher? cipher) => cipher is null ? 0 : OutboxCipher.HeaderSize;

    private long LogLength => _log is null ? 0 : Math.Max(RandomAccess.GetLength(_log) - Offset(_logCipher), 0);

    /// <summary>LiteDB's name for a data file's log: outbox.db → outbox-log.db.</summary>
    public static string LogPathFor(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path));

    /// <summary>What the structural check found.</summary>
    public OutboxFileScan Scan => _scan;

    /// <summary>Checks the file's structure; reads no document.</summary>
    public static OutboxFileScan Check(string path, string? password = null)
    {
        using var reader = Open(path, password);
        return reader?.Scan ?? Unopenable(path);
    }

    /// <summary>Opens the file and checks its structure; null when it cannot be opened at all.</summary>
    public static OutboxFileReader? Open(string path, string? password = null)
    {
        OutboxFileReader reader;
        try
        {
            reader = new OutboxFileReader(path, password);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        reader.Read();
        return reader;
    }

    /// <summary>The collection names and pages the header holds (the log's newest confirmed header first), or null.</summary>
    public static IReadOnlyDictionary<string, uint>? ReadCollectionNames(string path, string? password = null)
    {
        try
        {
            using var reader = new OutboxFileReader(path, password);
            reader.LoadLog();
            return reader.ReadHeader(out _, out _);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static OutboxFileScan Unopenable(string path)
    {
        var scan = new OutboxFileScan();
        scan.Problems.Add($"{Path.GetFileName(path)} cannot be opened");
        return scan;
    }

    private void Read()
    {
        if (Locked)
        {
            return; // nothing can be read: the file is kept aside whole, should its key turn up
        }
        LoadLog();
        var header = ReadHeader(out var lastPageId, out var freeEmpty);
        var pages = _pageCount = Math.Max(lastPageId + 1, 1);
        _types = new PageType[pages];
        _owners = new uint[pages];
        _used = new ulong[pages * 4];
        _extend = new ulong[pages * 4];
        _types[0] = PageType.Header;
        foreach (var beyond in _logPages.Keys.Where(k => k >= pages))
        {
            Problem($"the log holds a page numbered {beyond}, beyond the file's {pages} pages");
        }
        if (header is not null)
        {
            foreach (var (name, pageId) in header)
            {
                _byPage[pageId] = _scan.Collections[name] = new ScannedCollection(name, pageId);
            }
        }
        for (var id = 1u; id < pages; id++)
        {
            ScanPage(id, header is not null);
        }
        foreach (var (from, to) in _chains)
        {
            var (page, slot) = Split(to);
            if (!IsBlock(page, slot, extend: true) || _owners[page] != _owners[Split(from).Page])
            {
                Problem($"the data block at {Describe(from)} continues at {Describe(to)}, which is not a continuation block of the same collection");
            }
        }
        CheckIndexes();
        if (header is not null)
        {
            CheckChain(freeEmpty, PageType.Empty, None, "the free page list");
            CheckCollectionPages();
        }
    }

    /// <summary>The log's confirmed pages, newest version of each, as LiteDB's WAL index restores them.</summary>
    private void LoadLog()
    {
        if (_log is null || Locked)
        {
            return;
        }
        var length = LogLength;
        if (length % PageSize != 0)
        {
            // LiteDB refuses to open such a log ("ReadFull must read PAGE_SIZE bytes").
            Problem($"the log file is {length} bytes, not a whole number of pages");
        }
        var pending = new Dictionary<uint, List<(uint PageId, long Position)>>();
        for (long position = 0; position + PageSize <= length; position += PageSize)
        {
            if (!TryRead(_log, _logCipher, position, out var failure))
            {
                Problem($"log page at byte {position} cannot be read: {failure}");
                continue;
            }
            if (_page.AsSpan().IndexOfAnyExcept((byte)0) < 0)
            {
                continue; // LiteDB skips blank log pages too
            }
            var pageId = U32(0);
            var transaction = U32(14);
            if (!pending.TryGetValue(transaction, out var list))
            {
                pending[transaction] = list = [];
            }
            list.Add((pageId, position));
            if (_page[18] != 0) // confirmed: the transaction's last page
            {
                foreach (var (id, at) in list)
                {
                    _logPages[id] = at;
                }
                list.Clear();
            }
        }
    }

    private Dictionary<string, uint>? ReadHeader(out uint lastPageId, out uint freeEmpty)
    {
        // Without a header, the files' sizes bound the page ids (a garbage log page may name any id).
        var bound = _dataPages + (LogLength / PageSize);
        lastPageId = (uint)Math.Max(_dataPages - 1, 0);
        foreach (var id in _logPages.Keys.Where(k => k < bound))
        {
            lastPageId = Math.Max(lastPageId, id);
        }
        freeEmpty = None;
        if (Locked)
        {
            return null;
        }
        if (!ReadPage(0, out var failure))
        {
            Problem($"the header page cannot be read: {failure}");
            return null;
        }
        if (System.Text.Encoding.ASCII.GetString(_page, 32, HeaderInfo.Length) != HeaderInfo || _page[59] != 8 || (PageType)_page[4] != PageType.Header)
        {
            Problem("page 0 is not a LiteDB 5 header page");
            return null;
        }
        freeEmpty = U32(60);
        var last = U32(64);
        if (_page[191] != 0)
        {
            Problem("LiteDB marked the file damaged (it met an inconsistency while running)");
        }
        if (last >= bound)
        {
            Problem($"the header names {last + 1L} pages, more than the files hold (cut short?)");
        }
        else
        {
            lastPageId = last;
        }
        try
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(_page.AsSpan(192));
            if (length is < 5 or > 8000)
            {
                throw new FormatException($"collection list length {length}");
            }
            var collections = BsonSerializer.Deserialize(_page.AsSpan(192, length).ToArray());
            var result = new Dictionary<string, uint>(StringComparer.Ordinal);
            foreach (var (name, value) in collections)
            {
                result[name] = (uint)value.AsInt32;
            }
            _scan.HeaderCollections = result;
            return result;
        }
        catch (Exception e) when (IsFormatError(e))
        {
            Problem($"the header's collection list cannot be read: {e.Message}");
            return null;
        }
    }

    private void ScanPage(uint id, bool knowCollections)
    {
        if (!ReadPage(id, out var failure))
        {
            _types[id] = PageType.Unreadable;
            Problem($"page {id} cannot be read: {failure}");
            return;
        }
        if (_page.AsSpan().IndexOfAnyExcept((byte)0) < 0)
        {
            _types[id] = PageType.Empty; // never written; harmful only if something points here, which is checked there
            return;
        }
        var type = (PageType)_page[4];
        if (U32(0) != id || type is not (PageType.Empty or PageType.Collection or PageType.Index or PageType.Data))
        {
            _types[id] = PageType.Unreadable;
            Problem($"page {id} has a foreign header (page id {U32(0)}, type {_page[4]})");
            return;
        }
        _types[id] = type;
        var owner = U32(19);
        _owners[id] = type == PageType.Collection ? id : owner;
        if (type == PageType.Collection && !_byPage.ContainsKey(id))
        {
            if (knowCollections)
            {
                Problem($"page {id} is a collection page the header does not list");
            }
            _byPage[id] = _scan.Collections["col_" + id.ToString(CultureInfo.InvariantCulture)] = new ScannedCollection("col_" + id.ToString(CultureInfo.InvariantCulture), id);
        }
        if (type is not (PageType.Data or PageType.Index))
        {
            return;
        }
        if (knowCollections && !_byPage.ContainsKey(owner))
        {
            Problem($"page {id} belongs to collection page {owner}, which the header does not list");
        }
        if (!CheckSlots(id))
        {
            _types[id] = PageType.Unreadable;
            return;
        }
        if (type == PageType.Index)
        {
            _indexPages.Add(id);
            return;
        }
        var collection = CollectionOf(owner);
        ForEachSlot((slot, position, length) =>
        {
            if (length < 6 || _page[position] > 1)
            {
                Problem($"data block {id}:{slot} is malformed");
                return;
            }
            if (_page[position] == 1)
            {
                _extend[(id * 4) + (uint)(slot >> 6)] |= 1UL << (slot & 63);
            }
            else
            {
                collection.Documents++;
                if (length >= 6 + 9 && _page[position + 6 + 4] == 0x02)
                {
                    collection.TextIds++;
                }
            }
            var next = Address(position + 1);
            if (next != Address(None, 255))
            {
                _chains.Add((Address(id, (byte)slot), next));
            }
        });
    }

    /// <summary>The slot table at the page's end: positions and lengths inside the content area, counts matching the page header.</summary>
    private bool CheckSlots(uint id)
    {
        var items = _page[23];
        var usedBytes = BinaryPrimitives.ReadUInt16LittleEndian(_page.AsSpan(24));
        var highest = _page[30];
        if (highest == 255)
        {
            if (items != 0 || usedBytes != 0)
            {
                Problem($"page {id} counts {items} items but has no slots");
                return false;
            }
            return true;
        }
        var footer = (highest + 1) * SlotSize;
        var found = 0;
        var bytes = 0;
        for (var slot = 0; slot <= highest; slot++)
        {
            var (position, length) = Slot(slot);
            if (position == 0 && length == 0)
            {
                continue;
            }
            if (position < PageHeaderSize || length == 0 || position + length > PageSize - footer)
            {
                Problem($"page {id} slot {slot} points outside the page ({position}+{length})");
                return false;
            }
            found++;
            bytes += length;
            _used[(id * 4) + (uint)(slot >> 6)] |= 1UL << (slot & 63);
        }
        if (found != items || bytes != usedBytes)
        {
            Problem($"page {id} holds {found} items in {bytes} bytes; its header says {items} in {usedBytes}");
            return false;
        }
        return true;
    }

    /// <summary>Every index entry's document and links must name a live block or entry of its own collection.</summary>
    private void CheckIndexes()
    {
        var noWhere = Address(None, 255);
        foreach (var id in _indexPages)
        {
            if (!ReadPage(id, out _))
            {
                continue;
            }
            var collection = CollectionOf(_owners[id]);
            ForEachSlot((slot, position, length) =>
            {
                var levels = _page[position + 1];
                if (levels is < 1 or > 32 || length < 12 + (levels * 10) + 1)
                {
                    Problem($"index entry {id}:{slot} is malformed");
                    return;
                }
                var document = Address(position + 2);
                if (document != noWhere)
                {
                    if (_page[position] == 0)
                    {
                        collection.Indexed++; // what the _id index says is there, readable or not
                    }
                    var (page, block) = Split(document);
                    if (!IsBlock(page, block, extend: false) || _owners[page] != _owners[id])
                    {
                        Problem($"index entry {id}:{slot} points at {Describe(document)}, which holds no document of its collection");
                    }
                }
                var links = position + 12;
                for (var i = 0; i < levels * 2; i++)
                {
                    CheckIndexLink(id, slot, Address(links + (i * 5)), noWhere);
                }
                CheckIndexLink(id, slot, Address(position + 7), noWhere);
            });
        }
    }

    private void CheckIndexLink(uint id, int slot, ulong target, ulong noWhere)
    {
        if (target == noWhere)
        {
            return;
        }
        var (page, entry) = Split(target);
        if (page >= _types.Length || _types[page] != PageType.Index || !IsUsed(page, entry) || _owners[page] != _owners[id])
        {
            Problem($"index entry {id}:{slot} links to {Describe(target)}, which is not an index entry of its collection");
        }
    }

    /// <summary>Each collection page's free data and index page lists, and its indexes' first and last entries.</summary>
    private void CheckCollectionPages()
    {
        foreach (var collection in _byPage.Values.ToList())
        {
            var id = collection.PageId;
            if (id >= _types.Length || _types[id] != PageType.Collection)
            {
                Problem($"collection '{collection.Name}' should start at page {id}, which is not a collection page");
                continue;
            }
            if (!ReadPage(id, out _))
            {
                continue;
            }
            var freeLists = Enumerable.Range(0, 5).Select(i => U32(32 + (i * 4))).ToList();
            var indexes = new List<(uint FreeList, ulong Head, ulong Tail)>();
            try
            {
                var at = 96;
                var count = _page[at++];
                for (var i = 0; i < count; i++)
                {
                    at += 2; // slot, index type
                    at = SkipCString(at);
                    at = SkipCString(at);
                    at++; // unique
                    var head = Address(at);
                    var tail = Address(at + 5);
                    at += 11; // head, tail, reserved
                    indexes.Add((U32(at), head, tail));
                    at += 4;
                }
            }
            catch (FormatException e)
            {
                Problem($"collection page {id} has an unreadable index list: {e.Message}");
                continue;
            }
            foreach (var first in freeLists)
            {
                CheckChain(first, PageType.Data, id, $"collection '{collection.Name}' free data page list");
            }
            foreach (var (freeList, head, tail) in indexes)
            {
                CheckChain(freeList, PageType.Index, id, $"collection '{collection.Name}' free index page list");
                foreach (var end in new[] { head, tail })
                {
                    var (page, entry) = Split(end);
                    if (page >= _types.Length || _types[page] != PageType.Index || !IsUsed(page, entry))
                    {
                        Problem($"collection '{collection.Name}' has an index whose end entry {Describe(end)} is missing");
                    }
                }
            }
        }
    }

    private void CheckChain(uint first, PageType type, uint owner, string what)
    {
        var seen = 0;
        for (var id = first; id != None; seen++)
        {
            if (id >= _types.Length || _types[id] != type || (owner != None && _owners[id] != owner) || seen > _types.Length)
            {
                Problem($"{what} reaches page {id}, which does not belong in it");
                return;
            }
            if (!ReadPage(id, out _))
            {
                return;
            }
            id = U32(9);
        }
    }

    /// <summary>
    /// The collection's documents that can be read whole, in _id order (records were inserted in that
    /// order). A document that cannot be assembled or parsed is skipped and counted in
    /// <see cref="ScannedCollection.Unreadable"/>; the rest are still read.
    /// </summary>
    public IEnumerable<BsonDocument> ReadDocuments(ScannedCollection collection)
    {
        ArgumentNullException.ThrowIfNull(collection);
        var order = new List<(long Number, string? Text, ulong Address)>();
        for (var id = 1u; id < _pageCount; id++)
        {
            if (_types[id] != PageType.Data || _owners[id] != collection.PageId || !ReadPage(id, out _))
            {
                continue;
            }
            ForEachSlot((slot, position, length) =>
            {
                if (length >= 6 && _page[position] == 0)
                {
                    var (number, text) = IdOf(position + 6, length - 6);
                    order.Add((number, text, Address(id, (byte)slot)));
                }
            });
        }
        order.Sort((a, b) => a.Number != b.Number ? a.Number.CompareTo(b.Number) : string.CompareOrdinal(a.Text, b.Text));
        var buffer = new MemoryStream();
        foreach (var (_, _, address) in order)
        {
            var (page, slot) = Split(address);
            buffer.SetLength(0);
            if ((_loaded == page || ReadPage(page, out _)) && Slot(slot) is var (position, length)
                && Assemble(_page.AsSpan(position, length).ToArray(), buffer) && TryParse(buffer) is { } document)
            {
                yield return document;
            }
            else
            {
                collection.Unreadable++;
                Problem($"document at {Describe(address)} cannot be read");
            }
        }
    }

    /// <summary>The document's _id from its first block's bytes (LiteDB writes _id first): an int64, or a string for the meta collection.</summary>
    private (long Number, string? Text) IdOf(int at, int length)
    {
        // int32 size, type byte, "_id\0", value
        if (length >= 17 && _page[at + 4] == 0x12 && _page.AsSpan(at + 5, 4).SequenceEqual("_id\0"u8))
        {
            return (BinaryPrimitives.ReadInt64LittleEndian(_page.AsSpan(at + 9)), null);
        }
        if (length >= 14 && _page[at + 4] == 0x02 && _page.AsSpan(at + 5, 4).SequenceEqual("_id\0"u8))
        {
            var size = BinaryPrimitives.ReadInt32LittleEndian(_page.AsSpan(at + 9));
            if (size is > 0 and < 256 && at + 13 + size <= at + length)
            {
                return (long.MinValue, System.Text.Encoding.UTF8.GetString(_page, at + 13, size - 1));
            }
        }
        return (long.MaxValue, null); // unknown: read last, parsed to tell
    }

    private bool Assemble(byte[] first, MemoryStream into)
    {
        into.Write(first, 6, first.Length - 6);
        var next = Address(first, 1);
        for (var hops = 0; next != Address(None, 255); hops++)
        {
            var (page, slot) = Split(next);
            if (hops > 4096 || !IsBlock(page, slot, extend: true) || !ReadPage(page, out _))
            {
                return false;
            }
            var (position, length) = Slot(slot);
            into.Write(_page, position + 6, length - 6);
            next = Address(position + 1);
        }
        return true;
    }

    private static BsonDocument? TryParse(MemoryStream bytes)
    {
        var buffer = bytes.GetBuffer();
        if (bytes.Length < 5 || BinaryPrimitives.ReadInt32LittleEndian(buffer) != bytes.Length)
        {
            return null;
        }
        try
        {
            return BsonSerializer.Deserialize(bytes.ToArray());
        }
        catch (Exception e) when (IsFormatError(e))
        {
            return null;
        }
    }

    private static bool IsFormatError(Exception e) =>
        e is LiteException or FormatException or InvalidCastException or IndexOutOfRangeException or ArgumentException or OverflowException or EndOfStreamException or InvalidOperationException;

    private ScannedCollection CollectionOf(uint owner)
    {
        if (!_byPage.TryGetValue(owner, out var collection))
        {
            var name = "col_" + owner.ToString(CultureInfo.InvariantCulture);
            _byPage[owner] = collection = _scan.Collections[name] = new ScannedCollection(name, owner);
        }
        return collection;
    }

    private void ForEachSlot(Action<int, int, int> visit)
    {
        var highest = _page[30];
        if (highest == 255)
        {
            return;
        }
        for (var slot = 0; slot <= highest; slot++)
        {
            var (position, length) = Slot(slot);
            if (position != 0 || length != 0)
            {
                visit(slot, position, length);
            }
        }
    }

    private (int Position, int Length) Slot(int slot)
    {
        var lengthAt = PageSize - ((slot + 1) * SlotSize);
        return (BinaryPrimitives.ReadUInt16LittleEndian(_page.AsSpan(lengthAt + 2)), BinaryPrimitives.ReadUInt16LittleEndian(_page.AsSpan(lengthAt)));
    }

    private bool IsUsed(uint page, byte slot) => (_used[(page * 4) + (uint)(slot >> 6)] & (1UL << (slot & 63))) != 0;

    private bool IsBlock(uint page, byte slot, bool extend) =>
        page < _types.Length && _types[page] == PageType.Data && IsUsed(page, slot)
        && ((_extend[(page * 4) + (uint)(slot >> 6)] & (1UL << (slot & 63))) != 0) == extend;

    private int SkipCString(int at)
    {
        var end = Array.IndexOf(_page, (byte)0, at, PageSize - at);
        return end < 0 ? throw new FormatException("unterminated name") : end + 1;
    }

    private bool ReadPage(uint id, out string? failure)
    {
        failure = null;
        _loaded = None;
        bool read;
        if (_logPages.TryGetValue(id, out var position))
        {
            read = TryRead(_log!, _logCipher, position, out failure);
        }
        else if (id >= _dataPages)
        {
            failure = "beyond the end of the file";
            return false;
        }
        else
        {
            read = TryRead(_data, _dataCipher, (long)id * PageSize, out failure);
        }
        if (read)
        {
            _loaded = id;
        }
        return read;
    }

    /// <summary>Reads the page at <paramref name="position"/> (as LiteDB counts it: past an encrypted file's salt page), decrypted.</summary>
    private bool TryRead(SafeFileHandle file, OutboxCipher? cipher, long position, out string? failure)
    {
        failure = null;
        _loaded = None;
        try
        {
            if (cipher is null && RandomAccess.Read(file, _page, position) == PageSize)
            {
                return true;
            }
            if (cipher is not null && RandomAccess.Read(file, _stored, position + OutboxCipher.HeaderSize) == PageSize)
            {
                cipher.DecryptPage(_stored, _page);
                return true;
            }
            failure = "short read";
        }
        catch (IOException e)
        {
            failure = e.Message; // a bad sector: this page is lost, the others may still be read
        }
        return false;
    }

    private uint U32(int at) => BinaryPrimitives.ReadUInt32LittleEndian(_page.AsSpan(at));

    private ulong Address(int at) => Address(_page, at);

    private static ulong Address(byte[] bytes, int at) => Address(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)), bytes[at + 4]);

    private static ulong Address(uint page, byte slot) => ((ulong)page << 8) | slot;

    private static (uint Page, byte Slot) Split(ulong address) => ((uint)(address >> 8), (byte)address);

    private static string Describe(ulong address) => $"{Split(address).Page}:{Split(address).Slot}";

    private void Problem(string problem)
    {
        if (_scan.Problems.Count < MaxProblems)
        {
            _scan.Problems.Add(problem);
        }
        else if (_scan.Problems.Count == MaxProblems)
        {
            _scan.Problems.Add("… and more");
        }
    }

    public void Dispose()
    {
        _data.Dispose();
        _log?.Dispose();
        _dataCipher?.Dispose();
        _logCipher?.Dispose();
    }
}
