using System.Globalization;
using EdgeAi.Common.Sync;
using LiteDB;

namespace EdgeAi.Agent.Outbox;

/// <summary>A damaged outbox file replaced by a fresh one: what was saved from it, what was lost, and why.</summary>
internal sealed record OutboxReset(
    string Reason,
    long Saved,
    long Lost,
    string? MovedTo,
    long? OldEpoch,
    long NewEpoch,
    bool InMemory,
    IReadOnlyDictionary<string, (long Saved, long Lost)> Streams,
    DateTimeOffset At);

/// <summary>What the outbox knew when it gave up on its file (nothing, at start).</summary>
internal sealed record SalvageRequest(
    string Reason,
    long? KnownEpoch,
    IReadOnlyDictionary<string, long>? ExpectedDepths,
    IReadOnlyDictionary<string, (long Dropped, long Refused, long Expired)>? Counters);

/// <summary>
/// Replaces a damaged outbox file: moves it (and its log) aside as <c>outbox.db.corrupt-{stamp}</c>,
/// never over an earlier one, creates a fresh file with a new epoch, and copies into it every record
/// that can still be read, in order, KEEPING ITS ORIGINAL EPOCH AND SEQUENCE NUMBER. Why: the hub
/// de-duplicates on (device, stream, epoch, seq), and a salvaged record may already have been
/// delivered (acknowledged by the broker but not yet deleted here); renumbering it into the new
/// epoch would store it twice. Records the fresh file creates get the new epoch, numbered from 1.
/// When the directory takes no fresh file (read-only, full), the outbox goes on in memory until the
/// agent restarts, rather than refusing every record.
/// </summary>
internal static class OutboxSalvage
{
    public const string MetaCollection = "meta";
    public const string EpochId = "~epoch";
    public const string CollectionsId = "~collections";
    private const int InsertChunk = 1000;

    public sealed record Result(LiteDatabase Database, long Epoch, bool InMemory, OutboxReset Reset, IReadOnlyDictionary<string, long> Depths);

    /// <summary>Reads what it can with the key at hand (an encrypted file needs it), and writes the fresh file as <paramref name="encryption"/> asks.</summary>
    public static Result Replace(string path, SalvageRequest request, TimeProvider time, OutboxEncryption encryption)
    {
        ArgumentNullException.ThrowIfNull(encryption);
        ArgumentNullException.ThrowIfNull(request);
        var reasons = new List<string> { request.Reason };
        var movedTo = MoveAside(path, time, reasons);
        if (movedTo is not null)
        {
            reasons.Add($"moved to {Path.GetFileName(movedTo)}");
        }
        var source = movedTo ?? path;
        using var reader = File.Exists(source) ? OutboxFileReader.Open(source, encryption.Key) : null;
        var scan = reader?.Scan;

        var meta = reader is null ? [] : ReadMeta(reader, scan!);
        var oldEpoch = request.KnownEpoch ?? (meta.TryGetValue(EpochId, out var e) && e["epoch"].IsInt64 ? e["epoch"].AsInt64 : null);
        var names = Names(scan, meta);
        var newEpoch = NewEpoch(oldEpoch);
        long? unknownEpoch = null;
        if (oldEpoch is null && names.Count > 0)
        {
            unknownEpoch = NewEpoch(newEpoch);
            reasons.Add("the old file's epoch was lost, so its records go under an epoch of their own and may repeat ones the hub already has");
        }

        var (db, inMemory) = CreateFresh(path, movedTo is not null, encryption.Password, reasons);
        Dictionary<string, (long Saved, long Lost)> streams;
        try
        {
            streams = Fill(db);
            if (!inMemory)
            {
                db.Checkpoint();
            }
        }
        catch (Exception failure) when (!inMemory && failure is IOException or UnauthorizedAccessException or LiteException)
        {
            // The fresh file took its header but not the records (a full disk): start over in memory.
            Discard(db, path);
            reasons.Add($"the fresh file could not be written ({failure.Message}); records are kept in memory until the agent restarts");
            (db, inMemory) = (new LiteDatabase(new MemoryStream()), true);
            streams = Fill(db);
        }
        // Records whose stream the file no longer names cannot be sent anywhere: lost.
        var unnamed = scan?.Collections.Values.Where(c => c.TextIds == 0 && !names.ContainsValue(c)).Sum(c => Math.Max(c.Documents, c.Indexed)) ?? 0;
        if (scan is { Problems.Count: > 0 } && !request.Reason.Contains(scan.Problems[0], StringComparison.Ordinal))
        {
            reasons.Add("the file check found: " + string.Join("; ", scan.Problems.Take(3)));
        }
        var reset = new OutboxReset(
            string.Join("; ", reasons),
            streams.Values.Sum(s => s.Saved),
            streams.Values.Sum(s => s.Lost) + unnamed,
            movedTo is null ? null : Path.GetFileName(movedTo),
            oldEpoch,
            newEpoch,
            inMemory,
            streams,
            time.GetUtcNow());
        return new Result(db, newEpoch, inMemory, reset, streams.ToDictionary(s => s.Key, s => s.Value.Saved, StringComparer.Ordinal));

        Dictionary<string, (long Saved, long Lost)> Fill(LiteDatabase target)
        {
            var filled = new Dictionary<string, (long Saved, long Lost)>(StringComparer.Ordinal);
            target.GetCollection(MetaCollection).Insert(new BsonDocument { ["_id"] = EpochId, ["epoch"] = newEpoch });
            foreach (var (stream, collection) in names)
            {
                var copied = Copy(reader!, collection, target.GetCollection("s_" + stream, BsonAutoId.Int64), oldEpoch ?? unknownEpoch!.Value, target);
                var expected = request.ExpectedDepths?.GetValueOrDefault(stream) ?? Expected(collection, copied, meta.GetValueOrDefault(stream));
                filled[stream] = (copied.Saved, Math.Max(0, expected - copied.Saved));
            }
            foreach (var stream in request.ExpectedDepths?.Keys.Where(s => !filled.ContainsKey(s)) ?? [])
            {
                filled[stream] = (0, request.ExpectedDepths![stream]);
            }
            foreach (var stream in SyncTopics.Streams)
            {
                var counters = request.Counters?.GetValueOrDefault(stream) ?? Counters(meta, stream);
                target.GetCollection(MetaCollection).Upsert(new BsonDocument
                {
                    ["_id"] = stream,
                    ["next"] = 1L,
                    ["dropped"] = counters.Dropped,
                    ["refused"] = counters.Refused,
                    ["expired"] = counters.Expired,
                });
            }
            return filled;
        }
    }

    /// <summary>Closes and removes a fresh file that could not be written whole (never the damaged one, which was moved).</summary>
    private static void Discard(LiteDatabase db, string path)
    {
        try
        {
            db.Dispose();
        }
        catch (Exception)
        {
            // It failed writing; closing may fail the same way.
        }
        foreach (var file in new[] { path, OutboxFileReader.LogPathFor(path) }.Where(File.Exists))
        {
            try
            {
                File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left behind: the next start finds it damaged or whole and acts on that.
            }
        }
    }

    /// <summary>Moves the file and its log aside under a name no earlier reset used; null when they could not be moved.</summary>
    private static string? MoveAside(string path, TimeProvider time, List<string> reasons)
    {
        var log = OutboxFileReader.LogPathFor(path);
        if (!File.Exists(path) && !File.Exists(log))
        {
            return null;
        }
        var stamp = time.GetUtcNow().ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture);
        var aside = $"{path}.corrupt-{stamp}";
        for (var n = 2; File.Exists(aside) || File.Exists(OutboxFileReader.LogPathFor(aside)); n++)
        {
            aside = $"{path}.corrupt-{stamp}-{n}";
        }
        try
        {
            if (File.Exists(path))
            {
                File.Move(path, aside);
            }
            if (File.Exists(log))
            {
                // Named as LiteDB names a log, so the kept file opens with its log for inspection.
                File.Move(log, OutboxFileReader.LogPathFor(aside));
            }
            return aside;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reasons.Add($"the damaged file could not be moved aside ({e.Message})");
            return File.Exists(aside) ? aside : null;
        }
    }

    private static (LiteDatabase Database, bool InMemory) CreateFresh(string path, bool moved, string? password, List<string> reasons)
    {
        if (moved && !File.Exists(path) && !File.Exists(OutboxFileReader.LogPathFor(path)))
        {
            try
            {
                return (DurableOutbox.Connect(path, password), false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or LiteException)
            {
                reasons.Add($"no fresh file could be created ({e.Message})");
            }
        }
        reasons.Add("records are kept in memory until the agent restarts");
        return (new LiteDatabase(new MemoryStream()), true);
    }

    private static Dictionary<string, BsonDocument> ReadMeta(OutboxFileReader reader, OutboxFileScan scan)
    {
        var collection = scan.Collections.GetValueOrDefault(MetaCollection)
            ?? scan.Collections.Values.Where(c => c.TextIds > 0).OrderByDescending(c => c.TextIds).FirstOrDefault();
        var meta = new Dictionary<string, BsonDocument>(StringComparer.Ordinal);
        if (collection is null)
        {
            return meta;
        }
        foreach (var document in reader.ReadDocuments(collection))
        {
            if (document["_id"].IsString)
            {
                meta[document["_id"].AsString] = document;
            }
        }
        return meta;
    }

    /// <summary>
    /// Stream name → collection. The header names collections; when it is lost, the copy of its list the
    /// outbox keeps in its meta collection does (see <see cref="DurableOutbox"/>); failing both, nothing does.
    /// </summary>
    private static Dictionary<string, ScannedCollection> Names(OutboxFileScan? scan, Dictionary<string, BsonDocument> meta)
    {
        var names = new Dictionary<string, ScannedCollection>(StringComparer.Ordinal);
        if (scan is null)
        {
            return names;
        }
        var byPage = scan.Collections.Values.ToDictionary(c => c.PageId);
        IEnumerable<(string Name, uint Page)> listed = scan.HeaderCollections is { } header
            ? header.Select(kv => (kv.Key, kv.Value))
            : meta.TryGetValue(CollectionsId, out var copy)
                ? copy.Where(kv => kv.Key != "_id" && kv.Value.IsNumber).Select(kv => (kv.Key, (uint)kv.Value.AsInt32))
                : [];
        foreach (var (name, page) in listed)
        {
            if (name.StartsWith("s_", StringComparison.Ordinal) && byPage.TryGetValue(page, out var collection))
            {
                names[name[2..]] = collection;
            }
        }
        return names;
    }

    /// <summary>
    /// What the file held, when nothing in memory says: the most of what its _id index listed, the
    /// blocks found, and the file's own sequence range (unsent records are a run from the lowest saved
    /// to the last the meta collection assigned, as acknowledgements, drops and expiry take the oldest).
    /// A lower bound when whole stretches of the file are gone.
    /// </summary>
    private static long Expected(ScannedCollection collection, Copied copied, BsonDocument? meta)
    {
        var range = copied.LowestOwnSeq is { } lowest && meta is not null && meta["next"].IsNumber
            ? meta["next"].AsInt64 - lowest + (copied.Saved - copied.Own)
            : 0;
        return Math.Max(Math.Max(collection.Documents, collection.Indexed), range);
    }

    private sealed record Copied(long Saved, long Own, long? LowestOwnSeq);

    /// <summary>Copies the collection's readable records, in order, each with its own epoch.</summary>
    private static Copied Copy(OutboxFileReader reader, ScannedCollection source, ILiteCollection<BsonDocument> target, long fileEpoch, LiteDatabase db)
    {
        long saved = 0;
        long own = 0;
        long? lowest = null;
        var chunk = new List<BsonDocument>(InsertChunk);
        foreach (var document in reader.ReadDocuments(source))
        {
            if (OutboxDocuments.Salvaged(document, fileEpoch) is { } record)
            {
                chunk.Add(record);
                if (!document.ContainsKey("ep"))
                {
                    own++;
                    lowest ??= record["seq"].AsInt64;
                }
            }
            else
            {
                source.Unreadable++;
            }
            if (chunk.Count == InsertChunk)
            {
                saved += Flush(chunk, target, db);
            }
        }
        return new Copied(saved + Flush(chunk, target, db), own, lowest);
    }

    /// <summary>Inserts a chunk of copied documents in one transaction (salvage and the encryption rewrite); empties it.</summary>
    internal static int Flush(List<BsonDocument> chunk, ILiteCollection<BsonDocument> target, LiteDatabase db)
    {
        if (chunk.Count == 0)
        {
            return 0;
        }
        db.BeginTrans();
        target.InsertBulk(chunk);
        db.Commit();
        var count = chunk.Count;
        chunk.Clear();
        return count;
    }

    private static (long Dropped, long Refused, long Expired) Counters(Dictionary<string, BsonDocument> meta, string stream) =>
        meta.TryGetValue(stream, out var d)
            ? (Number(d, "dropped"), Number(d, "refused"), Number(d, "expired"))
            : (0, 0, 0);

    private static long Number(BsonDocument d, string field) => d[field].IsNumber ? d[field].AsInt64 : 0;

    private static long NewEpoch(long? differentFrom)
    {
        long epoch;
        do
        {
            epoch = Random.Shared.NextInt64(1, long.MaxValue);
        }
        while (epoch == differentFrom);
        return epoch;
    }
}
