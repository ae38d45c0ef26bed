using System.Text;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Sync;
using LiteDB;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Agent.Tests.Outbox;

/// <summary>
/// Real LiteDB outbox files damaged as disks damage them — a page in the middle overwritten with
/// garbage, the header page, a page of the log, a file cut short — found at start or while the outbox
/// is open. Every case must end the same way: no exception for the caller, the damaged file kept
/// aside, a fresh file with a new epoch, what could be read saved in order under its own epoch and
/// sequence number, and an outbox_reset event with the saved and lost counts.
/// </summary>
public sealed class OutboxDamageTests : IDisposable
{
    private const int Telemetry = 3000;
    private const int Deployments = 50;
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-outbox-damage-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    private string FilePath => Path.Combine(_dir, "outbox.db");

    [Fact]
    public void Open_MiddleDataPageOverwritten_SavesTheRestInOrderUnderTheirEpoch()
    {
        var epoch = FillAndClose(FilePath);
        OutboxFileDamage.Overwrite(FilePath, OutboxFileDamage.MiddleDataPage(FilePath, "s_telemetry"));

        using var outbox = Open(FilePath);

        var reset = ShouldHaveReset(outbox, epoch);
        var (saved, lost) = reset.Streams[SyncTopics.Telemetry];
        lost.ShouldBeInRange(1, 200, "one 8 KiB page holds at most a page's worth of records");
        (saved + lost).ShouldBe(Telemetry);
        reset.Streams[SyncTopics.Deployments].ShouldBe(((long)Deployments, 0L));
        ShouldHoldSalvaged(outbox, SyncTopics.Telemetry, saved, epoch);
        ShouldHoldSalvaged(outbox, SyncTopics.Deployments, Deployments, epoch);
        ShouldContinueInNewEpoch(outbox, epoch);
    }

    [Fact]
    public void Open_HeaderPageOverwritten_SavesEveryRecordUnderItsStream()
    {
        var epoch = FillAndClose(FilePath);
        OutboxFileDamage.Overwrite(FilePath, page: 0);

        using var outbox = Open(FilePath);

        // The header held the collection names; the outbox's own copy of that list names them instead.
        var reset = ShouldHaveReset(outbox, epoch);
        reset.Lost.ShouldBe(0);
        reset.Streams[SyncTopics.Telemetry].ShouldBe(((long)Telemetry, 0L));
        reset.Streams[SyncTopics.Deployments].ShouldBe(((long)Deployments, 0L));
        ShouldHoldSalvaged(outbox, SyncTopics.Telemetry, Telemetry, epoch);
        ShouldContinueInNewEpoch(outbox, epoch);
    }

    [Fact]
    public void Open_LogPageOverwritten_SavesWhatTheLogStillHoldsInOrder()
    {
        var copy = Path.Combine(_dir, "killed.db");
        long epoch;
        using (var live = Open(FilePath))
        {
            epoch = live.Epoch;
            Fill(live, SyncTopics.Telemetry, Telemetry);
            Fill(live, SyncTopics.Deployments, Deployments);
            // Not closed: its records are in the log, as a killed agent leaves them.
            OutboxFileDamage.CopyAsKilled(FilePath, copy);
        }
        var log = OutboxFileReader.LogPathFor(copy);
        OutboxFileDamage.Overwrite(log, (int)(new FileInfo(log).Length / OutboxFileDamage.PageSize / 2));

        using var outbox = Open(copy);

        var reset = ShouldHaveReset(outbox, epoch, "killed.db.corrupt-*");
        var (saved, lost) = reset.Streams[SyncTopics.Telemetry];
        (saved + lost).ShouldBe(Telemetry);
        ShouldHoldSalvaged(outbox, SyncTopics.Telemetry, saved, epoch);
        File.Exists(OutboxFileReader.LogPathFor(Path.Combine(_dir, reset.MovedTo!))).ShouldBeTrue("the damaged log is kept beside its file");
        ShouldContinueInNewEpoch(outbox, epoch);
    }

    [Fact]
    public void Open_FileCutShort_SavesWhatIsLeftInOrder()
    {
        var epoch = FillAndClose(FilePath);
        OutboxFileDamage.CutInHalf(FilePath);

        using var outbox = Open(FilePath);

        // What the file no longer shows at all cannot be counted; telemetry, from its first pages on, can:
        // its sequence numbers left run from the lowest saved to the last the meta collection assigned.
        var reset = ShouldHaveReset(outbox, epoch);
        reset.Lost.ShouldBeGreaterThan(0);
        var (saved, lost) = reset.Streams[SyncTopics.Telemetry];
        (saved + lost).ShouldBe(Telemetry);
        ShouldHoldSalvaged(outbox, SyncTopics.Telemetry, reset.Streams[SyncTopics.Telemetry].Saved, epoch);
        ShouldContinueInNewEpoch(outbox, epoch);
    }

    [Fact]
    public void Peek_DataPageDamagedWhileOpen_DrainGoesOnFromTheFreshFile()
    {
        var epoch = FillAndClose(FilePath);
        using var outbox = Open(FilePath);
        outbox.LastReset.ShouldBeNull("the file was whole at start");
        OutboxFileDamage.Overwrite(FilePath, OutboxFileDamage.MiddleDataPage(FilePath, "s_telemetry"));

        // Drained as the uplink drains: peek, "send", acknowledge.
        var sent = new List<OutboxRecord>();
        for (var batch = outbox.Peek(SyncTopics.Telemetry, 100); batch.Count > 0; batch = outbox.Peek(SyncTopics.Telemetry, 100))
        {
            sent.AddRange(batch);
            outbox.Acknowledge(SyncTopics.Telemetry, batch[^1]);
        }

        var reset = ShouldHaveReset(outbox, epoch);
        var (saved, lost) = reset.Streams[SyncTopics.Telemetry];
        lost.ShouldBeInRange(1, 200);
        saved.ShouldBeLessThan(Telemetry);
        var sequences = sent.Select(r => r.Sequence).Distinct().ToList();
        (sequences.Count + lost).ShouldBe(Telemetry, "every record was sent, except those on the damaged page");
        sequences.ShouldBeInOrder(SortDirection.Ascending);
        // The batch whose acknowledgement met the damage was salvaged and sent again, under the same (epoch, seq): stored once.
        (sent.Count - sequences.Count).ShouldBeLessThanOrEqualTo(100);
        sent.ShouldAllBe(r => r.Epoch == epoch && Encoding.UTF8.GetString(r.Payload) == $"{SyncTopics.Telemetry}-{r.Sequence}");
    }

    [Fact]
    public void Append_CollectionPageDamagedWhileOpen_RecordStoredOnTheFreshFile()
    {
        var epoch = FillAndClose(FilePath);
        using var outbox = Open(FilePath);
        OutboxFileDamage.Overwrite(FilePath, OutboxFileDamage.CollectionPage(FilePath, "s_telemetry"));

        var seq = outbox.Append(SyncTopics.Telemetry, Bytes("appended after the damage"));

        var reset = ShouldHaveReset(outbox, epoch);
        reset.Lost.ShouldBe(0, "the collection page holds no records: every record is still on its data page");
        seq.ShouldBe(1, "the first record of the new epoch");
        var records = outbox.Peek(SyncTopics.Telemetry, 10_000);
        records.Count.ShouldBe(Telemetry + 1);
        records.Take(Telemetry).ShouldAllBe(r => r.Epoch == epoch);
        records[^1].Epoch.ShouldBe(outbox.Epoch);
        Encoding.UTF8.GetString(records[^1].Payload).ShouldBe("appended after the damage");
    }

    [Fact]
    public void Acknowledge_RecordOfTheReplacedFile_DeletesNothing()
    {
        var epoch = FillAndClose(FilePath);
        using var outbox = Open(FilePath);
        var sentBeforeDamage = outbox.Peek(SyncTopics.Telemetry, 100);
        OutboxFileDamage.Overwrite(FilePath, OutboxFileDamage.LastDataPage(FilePath, "s_telemetry"));
        outbox.Append(SyncTopics.Telemetry, Bytes("x"));
        var saved = ShouldHaveReset(outbox, epoch).Streams[SyncTopics.Telemetry].Saved;

        // Its broker acknowledgement arrives after the swap: the ids mean other records now.
        outbox.Acknowledge(SyncTopics.Telemetry, sentBeforeDamage[^1]);

        outbox.Stats(SyncTopics.Telemetry).Depth.ShouldBe(saved + 1);
        outbox.Peek(SyncTopics.Telemetry, 1)[0].Sequence.ShouldBe(1, "salvaged records are sent again; the hub stores each (epoch, seq) once");
    }

    [Fact]
    public void Open_DamagedTwice_KeepsEachDamagedFileAside()
    {
        FillAndClose(FilePath);
        OutboxFileDamage.Overwrite(FilePath, page: 0);
        using (var first = Open(FilePath))
        {
            first.LastReset.ShouldNotBeNull();
        }
        OutboxFileDamage.Overwrite(FilePath, page: 0, seed: 8);

        using var second = Open(FilePath);

        second.LastReset.ShouldNotBeNull();
        Directory.GetFiles(_dir, "outbox.db.corrupt-*").Length.ShouldBe(2, "an earlier damaged file is never overwritten");
        second.Peek(SyncTopics.Telemetry, 10_000).Count.ShouldBe(Telemetry, "records salvaged twice keep their first epoch and numbers");
    }

    [Fact]
    public void Open_FreshFileCannotBeWritten_GoesOnInMemory()
    {
        var epoch = FillAndClose(FilePath);
        OutboxFileDamage.Overwrite(FilePath, page: 0);
        // A directory where the fresh file's log must go: LiteDB creates the file, then fails writing to it.
        Directory.CreateDirectory(OutboxFileReader.LogPathFor(FilePath));

        using var outbox = Open(FilePath);

        var reset = outbox.LastReset.ShouldNotBeNull();
        reset.InMemory.ShouldBeTrue(reset.Reason);
        reset.Reason.ShouldContain("kept in memory");
        reset.Lost.ShouldBe(0);
        outbox.Peek(SyncTopics.Telemetry, 10_000).Count.ShouldBe(Telemetry);
        outbox.Peek(SyncTopics.Telemetry, 1)[0].Epoch.ShouldBe(epoch);
        outbox.Append(SyncTopics.Telemetry, Bytes("in memory")).ShouldBe(1);
        File.Exists(FilePath).ShouldBeFalse("the half-written fresh file is removed; the damaged one is kept aside");
        Directory.GetFiles(_dir, "outbox.db.corrupt-*").Length.ShouldBe(1);
    }

    [Fact]
    public void Check_HealthyFilesAfterChurn_FindsNoProblemAndCountsAsLiteDbDoes()
    {
        var options = new OutboxOptions { MaxTotalRecords = 2_500 };
        options.Streams[SyncTopics.Telemetry] = new OutboxStreamOptions { MaxRecords = 1_500, TimeToLive = TimeSpan.FromMinutes(30), Priority = 80 };
        options.Streams[SyncTopics.Events] = new OutboxStreamOptions { MaxRecords = 300, OnFull = OnFull.Refuse, Priority = 40 };
        var copy = Path.Combine(_dir, "killed.db");
        using (var outbox = DurableOutbox.Open(FilePath, options, _time))
        {
            var random = new Random(3);
            for (var round = 0; round < 40; round++)
            {
                outbox.Append(SyncTopics.Telemetry, [.. Enumerable.Range(0, 100).Select(_ => new byte[random.Next(10, 400)])]);
                outbox.Append(SyncTopics.Events, [.. Enumerable.Range(0, 20).Select(_ => new byte[random.Next(10, 30_000)])]); // documents over several pages
                outbox.Append(SyncTopics.Deployments, new byte[50]);
                if (round % 3 == 0 && outbox.Peek(SyncTopics.Telemetry, 150) is { Count: > 0 } sent)
                {
                    outbox.Acknowledge(SyncTopics.Telemetry, sent[^1]);
                }
                _time.Advance(TimeSpan.FromMinutes(1)); // the oldest telemetry expires as the rounds go on
            }
            OutboxFileDamage.CopyAsKilled(FilePath, copy);
        }

        foreach (var path in new[] { FilePath, copy })
        {
            var scan = OutboxFileReader.Check(path);
            scan.Problems.ShouldBeEmpty(path);
            using var db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct, Upgrade = false });
            foreach (var name in db.GetCollectionNames())
            {
                scan.Collections[name].Documents.ShouldBe(db.GetCollection(name).Count(), $"{path}: {name}");
            }
        }
        using var reopened = Open(copy);
        reopened.LastReset.ShouldBeNull("a whole file is never replaced");
    }

    [Theory]
    [InlineData(LiteException.INVALID_DATAFILE_STATE, true)]
    [InlineData(LiteException.INVALID_DATABASE, true)]
    [InlineData(LiteException.INVALID_PASSWORD, true)]
    [InlineData(LiteException.NOT_ENCRYPTED, true)]
    [InlineData(LiteException.LOCK_TIMEOUT, false)]
    [InlineData(LiteException.INDEX_DUPLICATE_KEY, false)]
    public void Classify_LiteDbErrorCodes(int code, bool damage) =>
        OutboxDamage.Classify(new LiteException(code, "x")).ShouldBe(damage ? OutboxFault.Damage : OutboxFault.None);

    [Fact]
    public void Classify_IoAndDecodingErrors()
    {
        OutboxDamage.Classify(new IOException("disk")).ShouldBe(OutboxFault.InputOutput);
        OutboxDamage.Classify(new EndOfStreamException()).ShouldBe(OutboxFault.Damage);
        OutboxDamage.Classify(new ArgumentException("not from LiteDB")).ShouldBe(OutboxFault.None);
        OutboxDamage.Classify(new InvalidCastException("x") { Source = "LiteDB" }).ShouldBe(OutboxFault.Damage);
    }

    private DurableOutbox Open(string path) => DurableOutbox.Open(path, new OutboxOptions(), _time);

    /// <summary>Fills telemetry and deployment records and closes the file cleanly; returns its epoch.</summary>
    private long FillAndClose(string path)
    {
        using var outbox = Open(path);
        Fill(outbox, SyncTopics.Telemetry, Telemetry);
        Fill(outbox, SyncTopics.Deployments, Deployments);
        return outbox.Epoch;
    }

    /// <summary>Records whose payload names their stream and sequence number, so a salvaged record can be checked whole.</summary>
    private static void Fill(DurableOutbox outbox, string stream, int count)
    {
        for (var first = 1; first <= count; first += 100)
        {
            outbox.Append(stream, [.. Enumerable.Range(first, Math.Min(100, count - first + 1)).Select(seq => Bytes($"{stream}-{seq}"))])
                .ShouldBe(Enumerable.Range(first, Math.Min(100, count - first + 1)).Select(seq => (long)seq));
        }
    }

    private OutboxReset ShouldHaveReset(DurableOutbox outbox, long oldEpoch, string asidePattern = "outbox.db.corrupt-*")
    {
        var reset = outbox.LastReset.ShouldNotBeNull("the damage should have been found");
        reset.OldEpoch.ShouldBe(oldEpoch);
        reset.NewEpoch.ShouldBe(outbox.Epoch);
        outbox.Epoch.ShouldNotBe(oldEpoch);
        reset.InMemory.ShouldBeFalse();
        Directory.GetFiles(_dir, asidePattern).Select(Path.GetFileName).ShouldBe([reset.MovedTo]);
        var reported = outbox.Peek(SyncTopics.Events, 1000).Select(r => DeviceEvent.Parser.ParseFrom(r.Payload)).Single(e => e.Kind == "outbox_reset");
        reported.Severity.ShouldBe("error");
        reported.Attributes["saved"].ShouldBe(reset.Saved.ToString(System.Globalization.CultureInfo.InvariantCulture));
        reported.Attributes["lost"].ShouldBe(reset.Lost.ToString(System.Globalization.CultureInfo.InvariantCulture));
        reported.Attributes["reason"].ShouldBe(reset.Reason);
        return reset;
    }

    /// <summary>The stream holds <paramref name="count"/> records of the old epoch, whole, in increasing sequence order.</summary>
    private static void ShouldHoldSalvaged(DurableOutbox outbox, string stream, long count, long epoch)
    {
        var records = outbox.Peek(stream, 100_000).Where(r => r.Epoch == epoch).ToList();
        records.Count.ShouldBe((int)count);
        records.Select(r => r.Sequence).ShouldBeInOrder(SortDirection.Ascending);
        records.Select(r => r.Sequence).Distinct().Count().ShouldBe(records.Count);
        records.ShouldAllBe(r => Encoding.UTF8.GetString(r.Payload) == $"{stream}-{r.Sequence}");
    }

    private static void ShouldContinueInNewEpoch(DurableOutbox outbox, long oldEpoch)
    {
        outbox.Append(SyncTopics.Telemetry, Bytes("fresh")).ShouldBe(1);
        var newest = outbox.Peek(SyncTopics.Telemetry, 100_000)[^1];
        newest.Epoch.ShouldBe(outbox.Epoch);
        newest.Epoch.ShouldNotBe(oldEpoch);
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
