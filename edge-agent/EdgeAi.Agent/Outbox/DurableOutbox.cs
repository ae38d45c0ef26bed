using LiteDB;

namespace EdgeAi.Agent.Outbox;

/// <summary>A record waiting to be sent: its stream sequence number survives restarts and goes on the wire.</summary>
internal sealed record OutboxRecord(long Id, long Sequence, DateTimeOffset CreatedAt, byte[] Payload);

/// <summary>Per-stream counters, persisted so drops are reported even across restarts.</summary>
internal sealed record OutboxStats(string Stream, long Depth, long NextSequence, long Dropped, long Refused, long Expired);

/// <summary>
/// Everything the agent must send, written to one LiteDB file before anything tries to send it.
/// One collection per stream, ordered by an auto-increment id; a per-stream sequence number kept in
/// a meta collection and bumped in the same transaction as the insert, so it never repeats, even after
/// a kill. Caps and time-to-live follow <see cref="OutboxOptions"/>. Documents are mapped by hand
/// (no reflection mapper: it does not trim). Writers are serialised: LiteDB transactions are bound
/// to one thread and nothing here awaits inside one.
/// </summary>
internal sealed class DurableOutbox : IDisposable
{
    private const string MetaCollection = "meta";
    private const string EpochId = "~epoch";
    private readonly LiteDatabase _db;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StreamState> _streams = new(StringComparer.Ordinal);
    private long _total;
    private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DurableOutbox(LiteDatabase db, OutboxOptions options, TimeProvider time, string? resetReason)
    {
        _db = db;
        _options = options;
        _time = time;
        ResetReason = resetReason;
        Epoch = LoadOrCreateEpoch();
        foreach (var name in _db.GetCollectionNames().Where(n => n.StartsWith("s_", StringComparison.Ordinal)))
        {
            State(name[2..]);
        }
    }

    /// <summary>Random, chosen when the file is created: sequence numbers are unique per (stream, epoch), even after the file is lost.</summary>
    public long Epoch { get; }

    /// <summary>Why the file was replaced at open (it was unreadable), or null. The caller reports it as an event.</summary>
    public string? ResetReason { get; }

    /// <summary>
    /// Opens (or creates) the outbox file. A file LiteDB cannot read is moved aside (kept for
    /// inspection) and a fresh one is created, so a damaged disk never stops the device serving.
    /// </summary>
    public static DurableOutbox Open(string path, OutboxOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        LiteDatabase? db = null;
        try
        {
            db = Connect(path);
            foreach (var name in db.GetCollectionNames())
            {
                // Touch every collection and its newest record: a damaged page fails here, not mid-drain.
                var collection = db.GetCollection(name);
                collection.Count();
                collection.FindOne(LiteDB.Query.All(LiteDB.Query.Descending));
            }
            return new DurableOutbox(db, options, time, null);
        }
        catch (Exception e) when (e is LiteException or IOException or InvalidOperationException or InvalidCastException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            db?.Dispose();
            var stamp = time.GetUtcNow().ToString("yyyyMMddTHHmmss", System.Globalization.CultureInfo.InvariantCulture);
            var aside = $"{path}.corrupt-{stamp}";
            File.Move(path, aside, overwrite: true);
            var log = Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path));
            if (File.Exists(log))
            {
                File.Move(log, aside + "-log", overwrite: true);
            }
            return new DurableOutbox(Connect(path), options, time, $"outbox file was unreadable ({e.GetType().Name}: {e.Message}); moved to {Path.GetFileName(aside)} and started empty");
        }
    }

    private static LiteDatabase Connect(string path) =>
        new(new ConnectionString { Filename = path, Connection = ConnectionType.Direct, Upgrade = false });

    public long TotalDepth
    {
        get
        {
            lock (_gate)
            {
                return _total;
            }
        }
    }

    /// <summary>Streams that hold records, most urgent first.</summary>
    public IReadOnlyList<string> StreamsByPriority()
    {
        lock (_gate)
        {
            return [.. _streams.Where(s => s.Value.Depth > 0).Select(s => s.Key).OrderBy(s => _options.For(s).Priority).ThenBy(s => s, StringComparer.Ordinal)];
        }
    }

    /// <summary>Appends records in one transaction; returns the sequence number of each, or -1 for a record refused by a full stream.</summary>
    public long[] Append(string stream, IReadOnlyList<byte[]> payloads)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        var streamOptions = _options.For(stream);
        var now = _time.GetUtcNow();
        var expires = streamOptions.TimeToLive is { } ttl ? now + ttl : (DateTimeOffset?)null;
        var sequences = new long[payloads.Count];
        lock (_gate)
        {
            var state = State(stream);
            var collection = Records(stream);
            _db.BeginTrans();
            try
            {
                for (var i = 0; i < payloads.Count; i++)
                {
                    if (!MakeRoom(stream, state, streamOptions))
                    {
                        state.Refused++;
                        sequences[i] = -1;
                        continue;
                    }
                    sequences[i] = state.NextSequence++;
                    // One insert at a time inside the one transaction: a full stream can then drop
                    // records of this same batch, and the commit is still a single write.
                    collection.Insert(new BsonDocument
                    {
                        ["seq"] = sequences[i],
                        ["at"] = now.UtcTicks,
                        ["exp"] = expires?.UtcTicks ?? long.MaxValue,
                        ["data"] = payloads[i],
                    });
                    state.Depth++;
                    _total++;
                }
                SaveMeta(stream, state);
                _db.Commit();
            }
            catch
            {
                _db.Rollback();
                ReloadState(stream);
                throw;
            }
            _appended.TrySetResult();
        }
        return sequences;
    }

    public long Append(string stream, byte[] payload) => Append(stream, [payload])[0];

    /// <summary>Completes when the outbox holds records (at once if it already does), or false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForRecordsAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task appended;
        lock (_gate)
        {
            if (_total > 0)
            {
                return true;
            }
            if (_appended.Task.IsCompleted)
            {
                _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            appended = _appended.Task;
        }
        try
        {
            await appended.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// The oldest unexpired records of a stream, up to <paramref name="max"/>; expired ones are discarded and counted.
    /// With <paramref name="afterId"/>, the records after that one (those before it are being sent already).
    /// </summary>
    public IReadOnlyList<OutboxRecord> Peek(string stream, int max, long afterId = 0)
    {
        lock (_gate)
        {
            var collection = Records(stream);
            if (afterId > 0)
            {
                // Expiry is handled at the front of the stream, on the next plain peek.
                return [.. collection.Find(LiteDB.Query.GT("_id", afterId), limit: max).Select(ToRecord)];
            }
            var nowTicks = _time.GetUtcNow().UtcTicks;
            while (true)
            {
                var documents = collection.Find(LiteDB.Query.All(LiteDB.Query.Ascending), limit: max).ToList();
                // A stream's time-to-live is fixed, so expiry follows insertion order: expired records sit at the front.
                var expired = documents.TakeWhile(d => d["exp"].AsInt64 < nowTicks).ToList();
                if (expired.Count == 0)
                {
                    return [.. documents.Select(ToRecord)];
                }
                var deleted = collection.DeleteMany(LiteDB.Query.LTE("_id", expired[^1]["_id"].AsInt64));
                var state = State(stream);
                state.Expired += deleted;
                state.Depth -= deleted;
                _total -= deleted;
                SaveMeta(stream, state);
            }
        }
    }

    private static OutboxRecord ToRecord(BsonDocument d) =>
        new(d["_id"].AsInt64, d["seq"].AsInt64, new DateTimeOffset(d["at"].AsInt64, TimeSpan.Zero), d["data"].AsBinary);

    /// <summary>Deletes every record up to and including <paramref name="lastId"/>: only what the broker acknowledged.</summary>
    public void Acknowledge(string stream, long lastId)
    {
        lock (_gate)
        {
            var deleted = Records(stream).DeleteMany(LiteDB.Query.LTE("_id", lastId));
            var state = State(stream);
            state.Depth -= deleted;
            _total -= deleted;
        }
    }

    public OutboxStats Stats(string stream)
    {
        lock (_gate)
        {
            var s = State(stream);
            return new OutboxStats(stream, s.Depth, s.NextSequence, s.Dropped, s.Refused, s.Expired);
        }
    }

    /// <summary>Forces committed records from the log into the data file (for power-loss safety after critical batches).</summary>
    public void Checkpoint()
    {
        lock (_gate)
        {
            _db.Checkpoint();
        }
    }

    public void Dispose() => _db.Dispose();

    private bool MakeRoom(string stream, StreamState state, OutboxStreamOptions options)
    {
        var depth = state.Depth;
        var total = _total;
        if (options.OnFull == OnFull.Keep)
        {
            // Never dropped: make room by evicting droppable streams, least urgent first; past that, grow.
            if (total >= _options.MaxTotalRecords)
            {
                EvictForKeep();
            }
            return true;
        }
        if (depth < options.MaxRecords && total < _options.MaxTotalRecords)
        {
            return true;
        }
        if (options.OnFull == OnFull.Refuse || depth <= 0)
        {
            return false;
        }
        return DropOldest(stream, state, 1) == 1;
    }

    private void EvictForKeep()
    {
        foreach (var victim in _streams
            .Where(s => _options.For(s.Key).OnFull != OnFull.Keep && s.Value.Depth > 0)
            .OrderByDescending(s => _options.For(s.Key).Priority))
        {
            if (DropOldest(victim.Key, victim.Value, 1) == 1)
            {
                SaveMeta(victim.Key, victim.Value);
                return;
            }
        }
    }

    private int DropOldest(string stream, StreamState state, int count)
    {
        var collection = Records(stream);
        var oldest = collection.Find(LiteDB.Query.All(LiteDB.Query.Ascending), limit: count).Select(d => d["_id"].AsInt64).ToList();
        if (oldest.Count == 0)
        {
            return 0;
        }
        var deleted = collection.DeleteMany(LiteDB.Query.LTE("_id", oldest[^1]));
        state.Dropped += deleted;
        state.Depth -= deleted;
        _total -= deleted;
        return deleted;
    }

    private long LoadOrCreateEpoch()
    {
        var meta = _db.GetCollection(MetaCollection);
        if (meta.FindById(EpochId) is { } existing)
        {
            return existing["epoch"].AsInt64;
        }
        var epoch = Random.Shared.NextInt64(1, long.MaxValue);
        meta.Insert(new BsonDocument { ["_id"] = EpochId, ["epoch"] = epoch });
        return epoch;
    }

    private ILiteCollection<BsonDocument> Records(string stream) => _db.GetCollection("s_" + stream, BsonAutoId.Int64);

    private StreamState State(string stream)
    {
        if (_streams.TryGetValue(stream, out var state))
        {
            return state;
        }
        state = LoadState(stream);
        _streams[stream] = state;
        _total += state.Depth;
        return state;
    }

    private StreamState LoadState(string stream)
    {
        var meta = _db.GetCollection(MetaCollection).FindById(stream);
        var depth = Records(stream).Count();
        if (meta is null)
        {
            return new StreamState { NextSequence = 1, Depth = depth };
        }
        return new StreamState
        {
            NextSequence = meta["next"].AsInt64,
            Dropped = meta["dropped"].AsInt64,
            Refused = meta["refused"].AsInt64,
            Expired = meta["expired"].AsInt64,
            Depth = depth,
        };
    }

    private void ReloadState(string stream)
    {
        if (_streams.Remove(stream, out var old))
        {
            _total -= old.Depth;
        }
        State(stream);
    }

    private void SaveMeta(string stream, StreamState state) =>
        _db.GetCollection(MetaCollection).Upsert(new BsonDocument
        {
            ["_id"] = stream,
            ["next"] = state.NextSequence,
            ["dropped"] = state.Dropped,
            ["refused"] = state.Refused,
            ["expired"] = state.Expired,
        });

    private sealed class StreamState
    {
        public long NextSequence { get; set; } = 1;

        public long Depth { get; set; }

        public long Dropped { get; set; }

        public long Refused { get; set; }

        public long Expired { get; set; }
    }
}
