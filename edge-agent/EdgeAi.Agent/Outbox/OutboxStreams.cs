using EdgeAi.Common.Sync;
using LiteDB;

namespace EdgeAi.Agent.Outbox;

/// <summary>One stream's state: its depth, next sequence number and what was dropped, refused and expired.</summary>
internal sealed class StreamState
{
    public long NextSequence { get; set; } = 1;

    public long Depth { get; set; }

    public long Dropped { get; set; }

    public long Refused { get; set; }

    public long Expired { get; set; }

    public StreamState Clone() => (StreamState)MemberwiseClone();
}

/// <summary>The counters as an operation left them, swapped in whole, for readers that must not wait on the outbox's lock.</summary>
internal sealed record OutboxCounters(IReadOnlyDictionary<string, OutboxStats> Streams, long Total);

/// <summary>
/// The outbox's per-stream state, in memory and in the file's meta collection (so drops are reported across
/// restarts), and the caps that decide what a full stream does: its OnFull, MaxRecords and Priority, and
/// Outbox:MaxTotalRecords across streams. The outbox calls it under its lock, on the file open now; a
/// <see cref="Snapshot"/> taken before an operation puts the counters back when the operation meets damage.
/// </summary>
internal sealed class OutboxStreams(OutboxOptions options)
{
    private const string MetaCollection = OutboxSalvage.MetaCollection;
    private Dictionary<string, StreamState> _streams = new(StringComparer.Ordinal);

    /// <summary>Records in all streams.</summary>
    public long Total { get; private set; }

    /// <summary>
    /// Reads every stream's state from the file: the agent's streams and any other the file holds. Depths come
    /// from the start-up check's page counts where given: counting a million records through LiteDB's index takes seconds.
    /// </summary>
    public void Load(LiteDatabase db, IReadOnlyDictionary<string, long>? depths)
    {
        _streams = new Dictionary<string, StreamState>(StringComparer.Ordinal);
        Total = 0;
        foreach (var stream in SyncTopics.Streams.Concat(OutboxDocuments.Streams(db)).Distinct(StringComparer.Ordinal))
        {
            var state = LoadState(db, stream, depths is null ? null : depths.GetValueOrDefault(stream));
            _streams[stream] = state;
            Total += state.Depth;
        }
    }

    public StreamState State(LiteDatabase db, string stream)
    {
        if (_streams.TryGetValue(stream, out var state))
        {
            return state;
        }
        state = LoadState(db, stream, null);
        _streams[stream] = state;
        Total += state.Depth;
        return state;
    }

    public void Added(StreamState state)
    {
        state.Depth++;
        Total++;
    }

    public void Removed(StreamState state, long count)
    {
        state.Depth -= count;
        Total -= count;
    }

    /// <summary>
    /// Whether one more record may go into <paramref name="stream"/>, making room as its OnFull says: a stream never
    /// dropped evicts droppable streams, least urgent first, and past that grows; DropOldest drops its own oldest;
    /// Refuse refuses.
    /// </summary>
    public bool MakeRoom(LiteDatabase db, string stream, StreamState state)
    {
        var limits = options.For(stream);
        if (limits.OnFull == OnFull.Keep)
        {
            if (Total >= options.MaxTotalRecords)
            {
                EvictForKeep(db);
            }
            return true;
        }
        if (state.Depth < limits.MaxRecords && Total < options.MaxTotalRecords)
        {
            return true;
        }
        if (limits.OnFull == OnFull.Refuse || state.Depth <= 0)
        {
            return false;
        }
        return DropOldest(db, stream, state, 1) == 1;
    }

    /// <summary>Deletes a stream's oldest records (up to <paramref name="count"/>), counted as dropped; returns how many went.</summary>
    public int DropOldest(LiteDatabase db, string stream, StreamState state, int count)
    {
        var collection = OutboxDocuments.Records(db, stream);
        var oldest = collection.Find(LiteDB.Query.All(LiteDB.Query.Ascending), limit: count).Select(OutboxDocuments.Id).ToList();
        if (oldest.Count == 0)
        {
            return 0;
        }
        var deleted = collection.DeleteMany(LiteDB.Query.LTE("_id", oldest[^1]));
        state.Dropped += deleted;
        Removed(state, deleted);
        return deleted;
    }

    public static void Save(LiteDatabase db, string stream, StreamState state) =>
        db.GetCollection(MetaCollection).Upsert(new BsonDocument
        {
            ["_id"] = stream,
            ["next"] = state.NextSequence,
            ["dropped"] = state.Dropped,
            ["refused"] = state.Refused,
            ["expired"] = state.Expired,
        });

    public OutboxCounters Counters() =>
        new(_streams.ToDictionary(s => s.Key, s => new OutboxStats(s.Key, s.Value.Depth, s.Value.NextSequence, s.Value.Dropped, s.Value.Refused, s.Value.Expired), StringComparer.Ordinal),
            Total);

    /// <summary>What a salvage expects to find: each stream's depth, and its drop, refuse and expiry counts to carry over.</summary>
    public SalvageRequest SalvageRequest(string reason, long epoch) => new(
        reason,
        epoch,
        _streams.ToDictionary(s => s.Key, s => s.Value.Depth, StringComparer.Ordinal),
        _streams.ToDictionary(s => s.Key, s => (s.Value.Dropped, s.Value.Refused, s.Value.Expired), StringComparer.Ordinal));

    public (Dictionary<string, StreamState> Streams, long Total) Snapshot() =>
        (_streams.ToDictionary(s => s.Key, s => s.Value.Clone(), StringComparer.Ordinal), Total);

    public void Restore((Dictionary<string, StreamState> Streams, long Total) snapshot) => (_streams, Total) = snapshot;

    private void EvictForKeep(LiteDatabase db)
    {
        foreach (var victim in _streams
            .Where(s => options.For(s.Key).OnFull != OnFull.Keep && s.Value.Depth > 0)
            .OrderByDescending(s => options.For(s.Key).Priority))
        {
            if (DropOldest(db, victim.Key, victim.Value, 1) == 1)
            {
                Save(db, victim.Key, victim.Value);
                return;
            }
        }
    }

    private static StreamState LoadState(LiteDatabase db, string stream, long? depth)
    {
        var meta = db.GetCollection(MetaCollection).FindById(stream);
        var records = depth ?? OutboxDocuments.Records(db, stream).Count();
        if (meta is null)
        {
            return new StreamState { NextSequence = 1, Depth = records };
        }
        return new StreamState
        {
            NextSequence = meta["next"].AsInt64,
            Dropped = meta["dropped"].AsInt64,
            Refused = meta["refused"].AsInt64,
            Expired = meta["expired"].AsInt64,
            Depth = records,
        };
    }
}
