using EdgeAi.Common.Sync;
using LiteDB;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeAi.Agent.Outbox;

/// <summary>
/// Everything the agent must send, written to one LiteDB file before anything tries to send it.
/// One collection per stream, ordered by an auto-increment id; a per-stream sequence number kept in
/// a meta collection and bumped in the same transaction as the insert, so it never repeats, even after
/// a kill. Caps and time-to-live follow <see cref="OutboxOptions"/> (<see cref="OutboxStreams"/>); documents
/// are mapped by hand (<see cref="OutboxDocuments"/>). Everything runs under one lock, and nothing here awaits
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
/// in a file it found damaged is honoured by the start-up check instead (DurableOutbox.Recovery.cs).
/// </para>
/// <para>
/// Encrypted at rest with <see cref="OutboxEncryption"/>'s key when it is on: a plain file is rewritten
/// encrypted at open (<see cref="OutboxMigration"/>), an encrypted one plain when it goes off; a file the
/// key at hand cannot open (no key, another key) takes the damage path: moved aside unread, reported, and
/// replaced by a fresh file.
/// </para>
/// </summary>
internal sealed partial class DurableOutbox : IDisposable
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
    private readonly OutboxStreams _streams;
    private readonly OutboxEncryption _encryption;
    private LiteDatabase _db = null!;
    private string? _password;
    private long _epoch;
    private long _generation = 1;
    private bool _inMemory;
    private bool _reopen;
    private bool _disposed;
    private long? _intactAt;
    private OutboxReset? _lastReset;
    private long _resets;
    private TaskCompletionSource _appended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile OutboxCounters _counters = new(new Dictionary<string, OutboxStats>(StringComparer.Ordinal), 0);

    private DurableOutbox(string path, OutboxOptions options, TimeProvider time, ILogger logger, OutboxEncryption encryption)
    {
        _path = path;
        _encryption = encryption;
        _options = options;
        _time = time;
        _logger = logger;
        _streams = new OutboxStreams(options);
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

    /// <summary>Whether the file in use is encrypted (false also while the outbox runs in memory).</summary>
    public bool IsEncrypted
    {
        get
        {
            lock (_gate)
            {
                return _password is not null && !_inMemory;
            }
        }
    }

    /// <summary>Why the file was last replaced, or null.</summary>
    public string? ResetReason => LastReset?.Reason;

    /// <summary>
    /// Opens (or creates) the outbox file after checking it page by page. A damaged file is salvaged
    /// and replaced, never fatal: a damaged disk never stops the device serving. Without <paramref name="encryption"/>, plain.
    /// </summary>
    public static DurableOutbox Open(string path, OutboxOptions options, TimeProvider time, ILogger<DurableOutbox>? logger = null, OutboxEncryption? encryption = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var outbox = new DurableOutbox(full, options, time, (ILogger?)logger ?? NullLogger.Instance, encryption ?? OutboxEncryption.Off);
        lock (outbox._gate)
        {
            outbox.OpenFile();
            outbox._counters = outbox._streams.Counters();
        }
        return outbox;
    }

    internal static LiteDatabase Connect(string path, string? password) =>
        new(new ConnectionString { Filename = path, Connection = ConnectionType.Direct, Upgrade = false, Password = password });

    /// <summary>Records waiting, all streams (as of the last completed operation: never waits on one in progress).</summary>
    public long TotalDepth => _counters.Total;

    /// <summary>Streams that hold records, most urgent first.</summary>
    public IReadOnlyList<string> StreamsByPriority() =>
        [.. _counters.Streams.Values.Where(s => s.Depth > 0).Select(s => s.Stream).OrderBy(s => _options.For(s).Priority).ThenBy(s => s, StringComparer.Ordinal)];

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
            if (_streams.Total > 0)
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
                var deleted = OutboxDocuments.Records(_db, stream).DeleteMany(LiteDB.Query.LTE("_id", upTo.Id));
                _streams.Removed(_streams.State(_db, stream), deleted);
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
                if (record.Generation != _generation || !OutboxDocuments.Records(_db, stream).Delete(record.Id))
                {
                    return false;
                }
                var state = _streams.State(_db, stream);
                _streams.Removed(state, 1);
                state.Dropped++;
                OutboxStreams.Save(_db, stream, state);
                return true;
            });
        }
    }

    /// <summary>
    /// As of the last completed operation, from memory: never touches the file nor waits for the lock, so
    /// /metrics and telemetry answer at once even while a damaged file is being salvaged.
    /// </summary>
    public OutboxStats Stats(string stream) =>
        _counters.Streams.TryGetValue(stream, out var stats) ? stats : new OutboxStats(stream, 0, 1, 0, 0, 0);

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

    private long[] AppendCore(string stream, IReadOnlyList<byte[]> payloads)
    {
        var streamOptions = _options.For(stream);
        var now = _time.GetUtcNow();
        var expires = streamOptions.TimeToLive is { } ttl ? now + ttl : (DateTimeOffset?)null;
        var sequences = new long[payloads.Count];
        // The request or rule that wrote the records, so the hub's ingest can join their trace (null when tracing is off).
        var traceParent = TraceContextProperties.Current();
        var state = _streams.State(_db, stream);
        var collection = OutboxDocuments.Records(_db, stream);
        _db.BeginTrans();
        try
        {
            for (var i = 0; i < payloads.Count; i++)
            {
                if (!_streams.MakeRoom(_db, stream, state))
                {
                    state.Refused++;
                    sequences[i] = -1;
                    continue;
                }
                sequences[i] = state.NextSequence++;
                // One insert at a time inside the one transaction: a full stream can then drop
                // records of this same batch, and the commit is still a single write.
                collection.Insert(OutboxDocuments.Record(sequences[i], now, expires, payloads[i], traceParent));
                _streams.Added(state);
            }
            OutboxStreams.Save(_db, stream, state);
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
        var collection = OutboxDocuments.Records(_db, stream);
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
            var expired = documents.TakeWhile(d => OutboxDocuments.ExpiresTicks(d) < nowTicks).ToList();
            if (expired.Count == 0)
            {
                return [.. documents.Select(ToRecord)];
            }
            var deleted = collection.DeleteMany(LiteDB.Query.LTE("_id", OutboxDocuments.Id(expired[^1])));
            var state = _streams.State(_db, stream);
            state.Expired += deleted;
            _streams.Removed(state, deleted);
            OutboxStreams.Save(_db, stream, state);
        }
    }

    private OutboxRecord ToRecord(BsonDocument d) => OutboxDocuments.ToRecord(d, _epoch, _generation);
}
