using System.Globalization;
using EdgeAi.Common.Sync;
using Google.Protobuf;
using LiteDB;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAi.Agent.Outbox;

/// <summary>
/// A record waiting to be sent. Its epoch and stream sequence number go on the wire; <see cref="Id"/>
/// and <see cref="Generation"/> say where it sits in the outbox file open now (a replaced file gives its
/// salvaged records new ids, so an acknowledgement for the old file's ids must not delete them).
/// </summary>
internal sealed record OutboxRecord(long Id, long Sequence, DateTimeOffset CreatedAt, byte[] Payload, long Epoch, long Generation);

/// <summary>Per-stream counters, persisted so drops are reported even across restarts.</summary>
internal sealed record OutboxStats(string Stream, long Depth, long NextSequence, long Dropped, long Refused, long Expired);

/// <summary>
/// Everything the agent must send, written to one LiteDB file before anything tries to send it.
/// One collection per stream, ordered by an auto-increment id; a per-stream sequence number kept in
/// a meta collection and bumped in the same transaction as the insert, so it never repeats, even after
/// a kill. Caps and time-to-live follow <see cref="OutboxOptions"/>. Documents are mapped by hand
/// (no reflection mapper: it does not trim). Everything runs under one lock, and nothing here awaits
/// inside it: LiteDB transactions are bound to one thread.
/// <para>
/// Damage found at any time — the start-up check (<see cref="OutboxFileReader"/>), or LiteDB failing
/// in Append, Peek, Acknowledge or Checkpoint — takes one path: what can still be read is salvaged, the
/// file is moved aside, a fresh file with a new epoch takes its place (<see cref="OutboxSalvage"/>), an
/// <c>outbox_reset</c> event with the saved and lost counts is appended, and the operation that met the
/// damage runs again on the fresh file, so a record being appended is not lost. An I/O error on a file
/// that reads back whole (a full disk) only reopens it. Counters, depth and stats live in memory, so
/// /metrics and telemetry never wait on a broken file. LiteDB's own auto-rebuild is not used: it needs
/// a readable header, rebuilds in place under the same name, and reports nothing to us; the flag it sets
/// in a file it found damaged is honoured by the start-up check instead.
/// </para>
/// </summary>
internal sealed class DurableOutbox : IDisposable
{
    private const string MetaCollection = OutboxSalvage.MetaCollection;
    private const string EpochId = OutboxSalvage.EpochId;
    private const string CollectionsId = OutboxSalvage.CollectionsId;

    /// <summary>After an I/O error, a file check that found the file whole is trusted this long (a full disk fails every write).</summary>
    private static readonly TimeSpan RecheckAfter = TimeSpan.FromMinutes(1);

    private readonly string _path;
    private readonly OutboxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Dictionary<string, StreamState> _streams = new(StringComparer.Ordinal);
    private LiteDatabase _db = null!;
    private long _epoch;
    private long _generation = 1;
    private long _total;
    private bool _inMemory;
    private bool _reopen;
    private bool _disposed;
    private long? _intactAt;
    private OutboxReset? _lastReset;
    private long _resets;
    private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile Published _published = new(new Dictionary<string, OutboxStats>(StringComparer.Ordinal), 0);

    private DurableOutbox(string path, OutboxOptions options, TimeProvider time, ILogger logger)
    {
        _path = path;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Random, chosen when the file is created: new records' sequence numbers are unique per (stream, epoch), even after the file is lost.</summary>
    public long Epoch
    {
        get
        {
            lock (_gate)
            {
                return _epoch;
            }
        }
    }

    /// <summary>Counts the files this outbox has used: bumped each time a damaged one is replaced.</summary>
    public long Generation
    {
        get
        {
            lock (_gate)
            {
                return _generation;
            }
        }
    }

    /// <summary>The last time the file was replaced, or null.</summary>
    public OutboxReset? LastReset
    {
        get
        {
            lock (_gate)
            {
                return _lastReset;
            }
        }
    }

    /// <summary>Files replaced since this outbox was opened (at open included).</summary>
    public long Resets
    {
        get
        {
            lock (_gate)
            {
                return _resets;
            }
        }
    }

    /// <summary>Why the file was last replaced, or null.</summary>
    public string? ResetReason => LastReset?.Reason;

    /// <summary>
    /// Opens (or creates) the outbox file after checking it page by page. A damaged file is salvaged
    /// and replaced, never fatal: a damaged disk never stops the device serving.
    /// </summary>
    public static DurableOutbox Open(string path, OutboxOptions options, TimeProvider time, ILogger<DurableOutbox>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var outbox = new DurableOutbox(full, options, time, (ILogger?)logger ?? NullLogger.Instance);
        lock (outbox._gate)
        {
            outbox.OpenFile();
            outbox.Publish();
        }
        return outbox;
    }

    internal static LiteDatabase Connect(string path) =>
        new(new ConnectionString { Filename = path, Connection = ConnectionType.Direct, Upgrade = false });

    /// <summary>Records waiting, all streams (as of the last completed operation: never waits on one in progress).</summary>
    public long TotalDepth => _published.Total;

    /// <summary>Streams that hold records, most urgent first.</summary>
    public IReadOnlyList<string> StreamsByPriority() =>
        [.. _published.Streams.Values.Where(s => s.Depth > 0).Select(s => s.Stream).OrderBy(s => _options.For(s).Priority).ThenBy(s => s, StringComparer.Ordinal)];

    /// <summary>Appends records in one transaction; returns the sequence number of each, or -1 for a record refused by a full stream.</summary>
    /// <exception cref="OutboxUnavailableException">The disk refused the records even after the outbox recovered.</exception>
    public long[] Append(string stream, IReadOnlyList<byte[]> payloads)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        lock (_gate)
        {
            var sequences = Guarded("append", () => AppendCore(stream, payloads));
            _appended.TrySetResult();
            return sequences;
        }
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
    /// The records of one call all belong to the same <see cref="Generation"/>; an <paramref name="afterId"/> of an
    /// earlier generation means nothing in this one, so callers start again from 0 when the generation changes.
    /// </summary>
    public IReadOnlyList<OutboxRecord> Peek(string stream, int max, long afterId = 0)
    {
        lock (_gate)
        {
            // Should the file be replaced during this call, afterId names nothing in the new one: start from its front.
            var generation = _generation;
            return Guarded("read", () => PeekCore(stream, max, _generation == generation ? afterId : 0));
        }
    }

    /// <summary>
    /// Deletes every record up to and including <paramref name="upTo"/>: only what the broker acknowledged.
    /// An acknowledgement for a replaced file is ignored: its records were salvaged with new ids and are
    /// sent again under their own epoch and sequence number, which the hub stores once.
    /// </summary>
    public void Acknowledge(string stream, OutboxRecord upTo)
    {
        ArgumentNullException.ThrowIfNull(upTo);
        lock (_gate)
        {
            if (upTo.Generation != _generation)
            {
                return;
            }
            Guarded("delete", () =>
            {
                if (upTo.Generation != _generation)
                {
                    return 0; // replaced while trying: see above
                }
                var deleted = Records(stream).DeleteMany(LiteDB.Query.LTE("_id", upTo.Id));
                var state = State(stream);
                state.Depth -= deleted;
                _total -= deleted;
                return deleted;
            });
        }
    }

    /// <summary>Removes one record that can never be sent (too large for any message), counted as dropped; false if it is gone already.</summary>
    public bool Discard(string stream, OutboxRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            if (record.Generation != _generation)
            {
                return false;
            }
            return Guarded("delete", () =>
            {
                if (record.Generation != _generation || !Records(stream).Delete(record.Id))
                {
                    return false;
                }
                var state = State(stream);
                state.Depth--;
                state.Dropped++;
                _total--;
                SaveMeta(stream, state);
                return true;
            });
        }
    }

    /// <summary>
    /// As of the last completed operation, from memory: never touches the file nor waits for the lock, so
    /// /metrics and telemetry answer at once even while a damaged file is being salvaged.
    /// </summary>
    public OutboxStats Stats(string stream) =>
        _published.Streams.TryGetValue(stream, out var stats) ? stats : new OutboxStats(stream, 0, 1, 0, 0, 0);

    /// <summary>Forces committed records from the log into the data file (for power-loss safety after critical batches).</summary>
    public void Checkpoint()
    {
        lock (_gate)
        {
            Guarded("checkpoint", () =>
            {
                _db.Checkpoint();
                return true;
            });
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Close();
        }
    }

    /// <summary>
    /// Runs one operation on the file. Damage (or an I/O error) restores the in-memory state as it was
    /// before the operation, recovers, and runs it once more on the recovered file; a second failure is
    /// the disk refusing outright and reaches the caller as <see cref="OutboxUnavailableException"/>.
    /// </summary>
    private T Guarded<T>(string operation, Func<T> action)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            return GuardedCore(operation, action);
        }
        finally
        {
            Publish();
        }
    }

    private T GuardedCore<T>(string operation, Func<T> action)
    {
        var before = Snapshot();
        try
        {
            if (_reopen)
            {
                Reopen();
            }
            return action();
        }
        catch (Exception e) when (OutboxDamage.Classify(e) is var fault && fault != OutboxFault.None)
        {
            Restore(before);
            Recover(fault, e, operation);
            before = Snapshot();
        }
        try
        {
            return action();
        }
        catch (Exception e) when (OutboxDamage.Classify(e) != OutboxFault.None)
        {
            Restore(before);
            _reopen = !_inMemory; // LiteDB closed its engine; the next call tries a fresh one
            OutboxLog.Unavailable(_logger, operation, e.Message);
            throw new OutboxUnavailableException($"the outbox could not {operation} its records: {e.Message}", e);
        }
    }

    private void Recover(OutboxFault fault, Exception cause, string operation)
    {
        if (_inMemory)
        {
            throw new OutboxUnavailableException($"the in-memory outbox failed to {operation}: {cause.Message}", cause);
        }
        Close();
        var reason = $"{Describe(cause)} during {operation}";
        if (fault == OutboxFault.InputOutput)
        {
            var check = IntactRecently() ? null : OutboxFileReader.Check(_path);
            if (check is null || check.IsHealthy)
            {
                if (check is not null)
                {
                    _intactAt = _time.GetTimestamp(); // only a check that ran vouches for the file
                }
                try
                {
                    _db = Connect(_path);
                    OutboxLog.Reopened(_logger, reason);
                    return;
                }
                catch (Exception e) when (OutboxDamage.Classify(e) != OutboxFault.None)
                {
                    reason += $"; reopening failed: {Describe(e)}";
                }
            }
            else
            {
                reason += "; the file check found: " + string.Join("; ", check.Problems.Take(3));
            }
        }
        Replace(new SalvageRequest(
            reason,
            _epoch,
            _streams.ToDictionary(s => s.Key, s => s.Value.Depth, StringComparer.Ordinal),
            _streams.ToDictionary(s => s.Key, s => (s.Value.Dropped, s.Value.Refused, s.Value.Expired), StringComparer.Ordinal)));
    }

    private bool IntactRecently() => _intactAt is { } at && _time.GetElapsedTime(at) < RecheckAfter;

    private void OpenFile()
    {
        var log = OutboxFileReader.LogPathFor(_path);
        if (HasContent(_path) || HasContent(log))
        {
            var started = _time.GetTimestamp();
            var scan = OutboxFileReader.Check(_path);
            OutboxLog.Checked(_logger, Path.GetFileName(_path), (long)_time.GetElapsedTime(started).TotalMilliseconds,
                scan.Collections.Values.Where(c => c.TextIds == 0).Sum(c => c.Documents), (new FileInfo(_path).Length + (File.Exists(log) ? new FileInfo(log).Length : 0)) / OutboxFileReader.PageSize);
            if (!scan.IsHealthy)
            {
                Replace(new SalvageRequest("the start-up check found damage: " + string.Join("; ", scan.Problems.Take(3)), null, null, null));
                return;
            }
            try
            {
                _db = Connect(_path);
                Load(scan.Collections.Values.Where(c => c.Name.StartsWith("s_", StringComparison.Ordinal)).ToDictionary(c => c.Name[2..], c => c.Documents, StringComparer.Ordinal), scan.HeaderCollections);
                return;
            }
            catch (Exception e) when (OutboxDamage.Classify(e) == OutboxFault.Damage)
            {
                // An I/O error here, after every page read back whole, is the file being in use
                // (another agent on the same data directory): that is not moved aside, it stops this start.
                Close();
                Replace(new SalvageRequest($"LiteDB could not open it: {Describe(e)}", null, null, null));
                return;
            }
        }
        _db = Connect(_path);
        Load(depths: null, header: null);
    }

    private static bool HasContent(string path) => File.Exists(path) && new FileInfo(path).Length > 0;

    /// <summary>Replaces the file (see <see cref="OutboxSalvage"/>), rebuilds the in-memory state from the fresh one and reports the reset.</summary>
    private void Replace(SalvageRequest request)
    {
        Close();
        var result = OutboxSalvage.Replace(_path, request, _time);
        _db = result.Database;
        _inMemory = result.InMemory;
        _reopen = false;
        _intactAt = null;
        _generation++;
        Load(result.Depths, header: null);
        _lastReset = result.Reset;
        _resets++;
        var reset = result.Reset;
        OutboxLog.Reset(_logger, reset.Reason, reset.Saved, reset.Lost, reset.MovedTo, reset.NewEpoch);
        try
        {
            AppendCore(SyncTopics.Events, [ResetEvent(reset).ToByteArray()]);
        }
        catch (Exception e) when (OutboxDamage.Classify(e) != OutboxFault.None)
        {
            // The fresh file refuses too: the operation's own retry meets the same and reports it.
            OutboxLog.Unavailable(_logger, "report the reset", e.Message);
        }
        _appended.TrySetResult();
    }

    private static DeviceEvent ResetEvent(OutboxReset reset)
    {
        var e = new DeviceEvent
        {
            Kind = "outbox_reset",
            Severity = "error",
            Message = $"outbox file replaced: {reset.Saved} records saved, {reset.Lost} lost ({reset.Reason})",
        };
        e.Attributes.Add("saved", reset.Saved.ToString(CultureInfo.InvariantCulture));
        e.Attributes.Add("lost", reset.Lost.ToString(CultureInfo.InvariantCulture));
        e.Attributes.Add("reason", reset.Reason);
        e.Attributes.Add("new_epoch", reset.NewEpoch.ToString(CultureInfo.InvariantCulture));
        if (reset.OldEpoch is { } old)
        {
            e.Attributes.Add("old_epoch", old.ToString(CultureInfo.InvariantCulture));
        }
        if (reset.MovedTo is { } movedTo)
        {
            e.Attributes.Add("moved_to", movedTo);
        }
        foreach (var (stream, (saved, lost)) in reset.Streams.Where(s => s.Value.Saved > 0 || s.Value.Lost > 0))
        {
            e.Attributes.Add($"{stream}_saved", saved.ToString(CultureInfo.InvariantCulture));
            e.Attributes.Add($"{stream}_lost", lost.ToString(CultureInfo.InvariantCulture));
        }
        return e;
    }

    /// <summary>
    /// Reads epoch and per-stream state from the open file; every stream's collection is made to exist
    /// and the header's collection list is copied into the meta collection (so a salvage can name the
    /// collections even when the header page is what was damaged). Depths come from the check's page
    /// counts where given: counting a million records through LiteDB's index takes seconds.
    /// </summary>
    private void Load(IReadOnlyDictionary<string, long>? depths, IReadOnlyDictionary<string, uint>? header)
    {
        var meta = _db.GetCollection(MetaCollection);
        if (meta.FindById(EpochId) is { } existing)
        {
            _epoch = existing["epoch"].AsInt64;
        }
        else
        {
            _epoch = Random.Shared.NextInt64(1, long.MaxValue);
            meta.Insert(new BsonDocument { ["_id"] = EpochId, ["epoch"] = _epoch });
        }
        if (!_inMemory)
        {
            KeepCollectionList(meta, header);
        }
        _streams = new Dictionary<string, StreamState>(StringComparer.Ordinal);
        _total = 0;
        foreach (var stream in SyncTopics.Streams.Concat(_db.GetCollectionNames().Where(n => n.StartsWith("s_", StringComparison.Ordinal)).Select(n => n[2..])).Distinct(StringComparer.Ordinal))
        {
            var state = LoadState(stream, depths is null ? null : depths.GetValueOrDefault(stream));
            _streams[stream] = state;
            _total += state.Depth;
        }
    }

    private void KeepCollectionList(ILiteCollection<BsonDocument> meta, IReadOnlyDictionary<string, uint>? header)
    {
        var names = _db.GetCollectionNames().ToHashSet(StringComparer.Ordinal);
        var missing = SyncTopics.Streams.Select(s => "s_" + s).Where(n => !names.Contains(n)).ToList();
        if (missing.Count > 0)
        {
            // LiteDB creates a collection with its first insert; this one is deleted in the same transaction.
            _db.BeginTrans();
            foreach (var name in missing)
            {
                var collection = _db.GetCollection(name, BsonAutoId.Int64);
                collection.Delete(collection.Insert(new BsonDocument { ["seq"] = 0L }));
            }
            _db.Commit();
        }
        if (missing.Count > 0 || header is null)
        {
            _db.Checkpoint(); // the header goes to the data file, where it can be read without the engine
            header = OutboxFileReader.ReadCollectionNames(_path);
        }
        if (header is null)
        {
            return;
        }
        var copy = new BsonDocument { ["_id"] = CollectionsId };
        foreach (var (name, page) in header.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            copy[name] = (int)page;
        }
        if (meta.FindById(CollectionsId) is not { } stored || !stored.Equals(copy))
        {
            meta.Upsert(copy);
        }
    }

    private long[] AppendCore(string stream, IReadOnlyList<byte[]> payloads)
    {
        var streamOptions = _options.For(stream);
        var now = _time.GetUtcNow();
        var expires = streamOptions.TimeToLive is { } ttl ? now + ttl : (DateTimeOffset?)null;
        var sequences = new long[payloads.Count];
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
        catch (Exception e) when (OutboxDamage.Classify(e) == OutboxFault.None)
        {
            // Not the file's fault: undo in the file; the caller's snapshot undoes the counters.
            _db.Rollback();
            throw;
        }
        return sequences;
    }

    private List<OutboxRecord> PeekCore(string stream, int max, long afterId)
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

    /// <summary>A salvaged record's epoch is stored with it ("ep"); a record without one belongs to the file's epoch.</summary>
    private OutboxRecord ToRecord(BsonDocument d) =>
        new(d["_id"].AsInt64, d["seq"].AsInt64, new DateTimeOffset(d["at"].AsInt64, TimeSpan.Zero), d["data"].AsBinary,
            d.TryGetValue("ep", out var epoch) && epoch.IsInt64 ? epoch.AsInt64 : _epoch, _generation);

    /// <summary>A record read from a damaged file, ready for the fresh one with its epoch; null when it is not a whole record.</summary>
    internal static BsonDocument? Salvaged(BsonDocument d, long fileEpoch)
    {
        if (!d["seq"].IsInt64 || !d["at"].IsInt64 || !d["exp"].IsInt64 || !d["data"].IsBinary || d["at"].AsInt64 is < 0 or > 3155378975999999999)
        {
            return null;
        }
        return new BsonDocument
        {
            ["seq"] = d["seq"],
            ["at"] = d["at"],
            ["exp"] = d["exp"],
            ["data"] = d["data"],
            ["ep"] = d.TryGetValue("ep", out var epoch) && epoch.IsInt64 ? epoch.AsInt64 : fileEpoch,
        };
    }

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

    private ILiteCollection<BsonDocument> Records(string stream) => _db.GetCollection("s_" + stream, BsonAutoId.Int64);

    private StreamState State(string stream)
    {
        if (_streams.TryGetValue(stream, out var state))
        {
            return state;
        }
        state = LoadState(stream, null);
        _streams[stream] = state;
        _total += state.Depth;
        return state;
    }

    private StreamState LoadState(string stream, long? depth)
    {
        var meta = _db.GetCollection(MetaCollection).FindById(stream);
        var records = depth ?? Records(stream).Count();
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

    private void SaveMeta(string stream, StreamState state) =>
        _db.GetCollection(MetaCollection).Upsert(new BsonDocument
        {
            ["_id"] = stream,
            ["next"] = state.NextSequence,
            ["dropped"] = state.Dropped,
            ["refused"] = state.Refused,
            ["expired"] = state.Expired,
        });

    private void Publish() =>
        _published = new Published(
            _streams.ToDictionary(s => s.Key, s => new OutboxStats(s.Key, s.Value.Depth, s.Value.NextSequence, s.Value.Dropped, s.Value.Refused, s.Value.Expired), StringComparer.Ordinal),
            _total);

    private (Dictionary<string, StreamState> Streams, long Total) Snapshot() =>
        (_streams.ToDictionary(s => s.Key, s => s.Value.Clone(), StringComparer.Ordinal), _total);

    private void Restore((Dictionary<string, StreamState> Streams, long Total) snapshot) => (_streams, _total) = snapshot;

    private void Reopen()
    {
        Close();
        _db = Connect(_path);
        _reopen = false;
    }

    private void Close()
    {
        try
        {
            _db?.Dispose();
        }
        catch (Exception)
        {
            // A faulted engine may fail to close (its final checkpoint meets the damage); its file is dealt with next.
        }
    }

    private static string Describe(Exception e) => $"{e.GetType().Name}: {e.Message}";

    /// <summary>The counters as the last operation left them, swapped in whole.</summary>
    private sealed record Published(IReadOnlyDictionary<string, OutboxStats> Streams, long Total);

    private sealed class StreamState
    {
        public long NextSequence { get; set; } = 1;

        public long Depth { get; set; }

        public long Dropped { get; set; }

        public long Refused { get; set; }

        public long Expired { get; set; }

        public StreamState Clone() => (StreamState)MemberwiseClone();
    }
}
