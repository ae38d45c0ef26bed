using System.Globalization;
using EdgeAi.Common.Sync;
using Google.Protobuf;
using LiteDB;

namespace EdgeAi.Agent.Outbox;

/// <summary>
/// The outbox's one path through damage: the start-up check of the file, the guard around every
/// operation, and the recovery — reopen a file that reads back whole, else salvage and replace it
/// (<see cref="OutboxSalvage"/>), report the reset, and run the operation again on the fresh file.
/// </summary>
internal sealed partial class DurableOutbox
{
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
            _counters = _streams.Counters();
        }
    }

    private T GuardedCore<T>(string operation, Func<T> action)
    {
        var before = _streams.Snapshot();
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
            _streams.Restore(before);
            Recover(fault, e, operation);
            before = _streams.Snapshot();
        }
        try
        {
            return action();
        }
        catch (Exception e) when (OutboxDamage.Classify(e) != OutboxFault.None)
        {
            _streams.Restore(before);
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
            var check = IntactRecently() ? null : OutboxFileReader.Check(_path, _password);
            if (check is null || check.IsHealthy)
            {
                if (check is not null)
                {
                    _intactAt = _time.GetTimestamp(); // only a check that ran vouches for the file
                }
                try
                {
                    _db = Connect(_path, _password);
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
        Replace(_streams.SalvageRequest(reason, _epoch));
    }

    private bool IntactRecently() => _intactAt is { } at && _time.GetElapsedTime(at) < RecheckAfter;

    private void OpenFile()
    {
        OutboxMigration.DiscardLeftover(_path);
        var log = OutboxFileReader.LogPathFor(_path);
        if (HasContent(_path) || HasContent(log))
        {
            var started = _time.GetTimestamp();
            var scan = OutboxFileReader.Check(_path, _encryption.Key);
            OutboxLog.Checked(_logger, Path.GetFileName(_path), (long)_time.GetElapsedTime(started).TotalMilliseconds,
                scan.Collections.Values.Where(c => c.TextIds == 0).Sum(c => c.Documents), (new FileInfo(_path).Length + (File.Exists(log) ? new FileInfo(log).Length : 0)) / OutboxFileReader.PageSize);
            if (scan.Encryption is OutboxFileEncryption.NoKey or OutboxFileEncryption.WrongKey)
            {
                // Handled as damage: nothing in it can be read, and a fresh file lets the device go on.
                Replace(new SalvageRequest(scan.Problems[0], null, null, null));
                return;
            }
            if (!scan.IsHealthy)
            {
                Replace(new SalvageRequest("the start-up check found damage: " + string.Join("; ", scan.Problems.Take(3)), null, null, null));
                return;
            }
            try
            {
                var migrated = Migrate(scan.Encryption == OutboxFileEncryption.Encrypted ? _encryption.Key : null);
                _db = Connect(_path, _password);
                Load(scan.Collections.Values.Where(c => c.Name.StartsWith("s_", StringComparison.Ordinal)).ToDictionary(c => c.Name[2..], c => c.Documents, StringComparer.Ordinal), migrated ? null : scan.HeaderCollections);
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
        _password = _encryption.Password;
        _db = Connect(_path, _password);
        Load(depths: null, header: null);
    }

    /// <summary>
    /// Rewrites a whole file written with <paramref name="current"/> under the key encryption asks for, when
    /// they differ; true if it did. A failure (a full disk) is not fatal: the file is used as it is.
    /// </summary>
    private bool Migrate(string? current)
    {
        _password = current;
        var wanted = _encryption.Password;
        if (current == wanted)
        {
            return false;
        }
        var direction = wanted is null ? "decrypted (encryption is off)" : "encrypted";
        var started = _time.GetTimestamp();
        try
        {
            var records = OutboxMigration.Run(_path, current, wanted);
            _password = wanted;
            OutboxLog.Migrated(_logger, Path.GetFileName(_path), direction, records, (long)_time.GetElapsedTime(started).TotalMilliseconds);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LiteException)
        {
            OutboxLog.MigrationFailed(_logger, Path.GetFileName(_path), direction, Describe(e));
            OutboxMigration.DiscardLeftover(_path);
            return false;
        }
    }

    private static bool HasContent(string path) => File.Exists(path) && new FileInfo(path).Length > 0;

    /// <summary>Replaces the file (see <see cref="OutboxSalvage"/>), rebuilds the in-memory state from the fresh one and reports the reset.</summary>
    private void Replace(SalvageRequest request)
    {
        Close();
        var result = OutboxSalvage.Replace(_path, request, _time, _encryption);
        _db = result.Database;
        _inMemory = result.InMemory;
        _password = _encryption.Password;
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
    /// counts where given (see <see cref="OutboxStreams.Load"/>).
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
        _streams.Load(_db, depths);
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
            header = OutboxFileReader.ReadCollectionNames(_path, _password);
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

    private void Reopen()
    {
        Close();
        _db = Connect(_path, _password);
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
}
