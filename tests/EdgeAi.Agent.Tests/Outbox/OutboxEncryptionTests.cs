using System.Text;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Sync;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Agent.Tests.Outbox;

/// <summary>
/// The outbox encrypted at rest, on real LiteDB files: nothing readable on disk, the right key reads
/// everything back, a wrong or missing key is handled like damage (moved aside, reported, a fresh file),
/// a plain file is rewritten encrypted without losing a record (and a copy a kill left behind is discarded),
/// and the salvage decrypts the pages of a damaged encrypted file.
/// </summary>
public sealed class OutboxEncryptionTests : IDisposable
{
    private const int Telemetry = 3000;
    private const int Deployments = 50;
    private const string Marker = "EDGEAI-SECRET-MARKER";
    private static readonly OutboxEncryption KeyA = new(true, Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()));
    private static readonly OutboxEncryption KeyB = new(true, Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray()));
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-outbox-crypt-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));

    private string FilePath => Path.Combine(_dir, "outbox.db");

    [Fact]
    public void Append_Encrypted_NoRecordBytesOnDisk()
    {
        using (var outbox = Open(KeyA))
        {
            outbox.IsEncrypted.ShouldBeTrue();
            outbox.Append(SyncTopics.Telemetry, [.. Enumerable.Range(0, 200).Select(i => Bytes($"{Marker}-{i}"))]);
            // Not closed yet: records in the log must be hidden too.
            FilesContain(Marker).ShouldBeFalse("the log is encrypted");
        }
        FilesContain(Marker).ShouldBeFalse("the data file is encrypted");
        OutboxCipher.IsEncrypted(FilePath).ShouldBeTrue();

        // The control: the same records in a plain file are there to be read.
        using (var plain = DurableOutbox.Open(Path.Combine(_dir, "plain.db"), new OutboxOptions(), _time))
        {
            plain.Append(SyncTopics.Telemetry, Bytes(Marker));
        }
        FilesContain(Marker).ShouldBeTrue();
    }

    [Fact]
    public void Open_RightKey_ReadsEveryRecordBack()
    {
        var epoch = FillAndClose(KeyA);

        using var outbox = Open(KeyA);

        outbox.LastReset.ShouldBeNull();
        outbox.Epoch.ShouldBe(epoch);
        ShouldHold(outbox, SyncTopics.Telemetry, Telemetry, epoch);
        ShouldHold(outbox, SyncTopics.Deployments, Deployments, epoch);
        OutboxFileReader.Check(FilePath, KeyA.Key).Problems.ShouldBeEmpty();
    }

    [Fact]
    public void Open_WrongKey_MovedAsideReportedAndAFreshEncryptedFile()
    {
        FillAndClose(KeyA);

        using (var outbox = Open(KeyB))
        {
            var reset = ShouldHaveReset(outbox, "another key");
            outbox.IsEncrypted.ShouldBeTrue();
            outbox.Append(SyncTopics.Telemetry, Bytes("fresh")).ShouldBe(1);
            // The file kept aside still opens with the key it was written with.
            using var kept = DurableOutbox.Open(Path.Combine(_dir, reset.MovedTo!), new OutboxOptions(), _time, encryption: KeyA);
            kept.LastReset.ShouldBeNull();
            kept.Stats(SyncTopics.Telemetry).Depth.ShouldBe(Telemetry);
        }
        using var reopened = Open(KeyB);
        reopened.LastReset.ShouldBeNull("the fresh file is written with the new key");
    }

    [Fact]
    public void Open_KeyFileMissingForEncryptedFile_NewKeyAndTheFileMovedAside()
    {
        var options = new OutboxOptions { Encryption = OutboxEncryptionMode.On };
        var first = OutboxKeyFile.Resolve(options, _dir, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        FillAndClose(first);
        File.Delete(Path.Combine(_dir, OutboxKeyFile.FileName));

        var second = OutboxKeyFile.Resolve(options, _dir, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        using var outbox = Open(second);

        second.Key.ShouldNotBe(first.Key);
        ShouldHaveReset(outbox, "another key");
        outbox.Append(SyncTopics.Events, Bytes("serving")).ShouldBeGreaterThan(0);
    }

    [Fact]
    public void Open_EncryptedFileWithNoKeyAtAll_MovedAsideAndAFreshPlainFile()
    {
        FillAndClose(KeyA);

        using var outbox = Open(OutboxEncryption.Off);

        ShouldHaveReset(outbox, "no key was given");
        outbox.IsEncrypted.ShouldBeFalse();
    }

    [Fact]
    public void Open_PlainFileEncryptionOn_RewritesItEncryptedKeepingEveryRecord()
    {
        var epoch = FillAndClose(OutboxEncryption.Off, marker: true);
        FilesContain(Marker).ShouldBeTrue();

        using (var outbox = Open(KeyA))
        {
            outbox.LastReset.ShouldBeNull("a migration is not a reset");
            outbox.IsEncrypted.ShouldBeTrue();
            outbox.Epoch.ShouldBe(epoch);
            ShouldHold(outbox, SyncTopics.Telemetry, Telemetry, epoch, marker: true);
            ShouldHold(outbox, SyncTopics.Deployments, Deployments, epoch);
            outbox.Append(SyncTopics.Telemetry, Bytes("next")).ShouldBe(Telemetry + 1, "sequence numbers go on where they were");
        }
        OutboxCipher.IsEncrypted(FilePath).ShouldBeTrue();
        FilesContain(Marker).ShouldBeFalse("the plain file is gone");
        File.Exists(OutboxMigration.TemporaryPathFor(FilePath)).ShouldBeFalse();
    }

    [Fact]
    public void Open_EncryptedFileEncryptionOff_RewritesItPlainWithTheKeyItHas()
    {
        var epoch = FillAndClose(KeyA);

        using var outbox = Open(KeyA with { Enabled = false });

        outbox.LastReset.ShouldBeNull();
        outbox.IsEncrypted.ShouldBeFalse();
        ShouldHold(outbox, SyncTopics.Telemetry, Telemetry, epoch);
        OutboxCipher.IsEncrypted(FilePath).ShouldBeFalse();
    }

    [Fact]
    public void Open_CopyLeftByAKilledMigration_IsDiscardedAndTheMigrationRunsAgain()
    {
        var epoch = FillAndClose(OutboxEncryption.Off);
        // A kill mid-copy leaves the old file whole and a half-written copy (with its log) beside it.
        var leftover = OutboxMigration.TemporaryPathFor(FilePath);
        File.WriteAllBytes(leftover, new byte[3 * OutboxFileReader.PageSize + 100]);
        File.WriteAllBytes(OutboxFileReader.LogPathFor(leftover), new byte[OutboxFileReader.PageSize]);

        using var outbox = Open(KeyA);

        outbox.LastReset.ShouldBeNull();
        outbox.IsEncrypted.ShouldBeTrue();
        ShouldHold(outbox, SyncTopics.Telemetry, Telemetry, epoch);
        File.Exists(leftover).ShouldBeFalse();
        File.Exists(OutboxFileReader.LogPathFor(leftover)).ShouldBeFalse();
    }

    [Fact]
    public void Open_EncryptedMiddleDataPageOverwritten_SalvageDecryptsTheRest()
    {
        var epoch = FillAndClose(KeyA);
        OutboxFileDamage.Overwrite(FilePath, OutboxFileDamage.EncryptedMiddleDataPage(FilePath, KeyA.Key!, "s_telemetry"));

        using var outbox = Open(KeyA);

        var reset = ShouldHaveReset(outbox, "damage");
        reset.OldEpoch.ShouldBe(epoch);
        var (saved, lost) = reset.Streams[SyncTopics.Telemetry];
        lost.ShouldBeInRange(1, 200, "one 8 KiB page holds at most a page's worth of records");
        (saved + lost).ShouldBe(Telemetry);
        reset.Streams[SyncTopics.Deployments].ShouldBe(((long)Deployments, 0L));
        var records = outbox.Peek(SyncTopics.Telemetry, 100_000).Where(r => r.Epoch == epoch).ToList();
        records.Count.ShouldBe((int)saved);
        records.ShouldAllBe(r => Encoding.UTF8.GetString(r.Payload) == $"{SyncTopics.Telemetry}-{r.Sequence}");
        outbox.IsEncrypted.ShouldBeTrue();
        FilesContain($"{SyncTopics.Telemetry}-1", except: reset.MovedTo).ShouldBeFalse("the salvaged records are written encrypted");
    }

    private DurableOutbox Open(OutboxEncryption encryption) => DurableOutbox.Open(FilePath, new OutboxOptions(), _time, encryption: encryption);

    private long FillAndClose(OutboxEncryption encryption, bool marker = false)
    {
        using var outbox = Open(encryption);
        Fill(outbox, SyncTopics.Telemetry, Telemetry, marker);
        Fill(outbox, SyncTopics.Deployments, Deployments, marker: false);
        return outbox.Epoch;
    }

    private static void Fill(DurableOutbox outbox, string stream, int count, bool marker)
    {
        for (var first = 1; first <= count; first += 100)
        {
            outbox.Append(stream, [.. Enumerable.Range(first, Math.Min(100, count - first + 1)).Select(seq => Bytes(Payload(stream, seq, marker)))]);
        }
    }

    private static string Payload(string stream, long seq, bool marker) => marker ? $"{Marker}-{stream}-{seq}" : $"{stream}-{seq}";

    private static void ShouldHold(DurableOutbox outbox, string stream, int count, long epoch, bool marker = false)
    {
        var records = outbox.Peek(stream, 100_000);
        records.Count.ShouldBe(count);
        records.ShouldAllBe(r => r.Epoch == epoch);
        records.Select(r => r.Sequence).ShouldBe(Enumerable.Range(1, count).Select(i => (long)i));
        records.ShouldAllBe(r => Encoding.UTF8.GetString(r.Payload) == Payload(stream, r.Sequence, marker));
    }

    private OutboxReset ShouldHaveReset(DurableOutbox outbox, string reason)
    {
        var reset = outbox.LastReset.ShouldNotBeNull("the file should have been replaced");
        reset.Reason.ShouldContain(reason);
        reset.MovedTo.ShouldNotBeNull();
        File.Exists(Path.Combine(_dir, reset.MovedTo)).ShouldBeTrue("the file is kept aside");
        var reported = outbox.Peek(SyncTopics.Events, 1000).Select(r => DeviceEvent.Parser.ParseFrom(r.Payload)).Single(e => e.Kind == "outbox_reset");
        reported.Attributes["reason"].ShouldBe(reset.Reason);
        reported.Attributes["moved_to"].ShouldBe(reset.MovedTo);
        return reset;
    }

    /// <summary>Whether any file in the directory (data files and logs) holds the text as plain bytes.</summary>
    private bool FilesContain(string text, string? except = null)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        return Directory.GetFiles(_dir)
            .Where(f => except is null || !Path.GetFileName(f).StartsWith(except, StringComparison.Ordinal))
            .Any(f => File.ReadAllBytes(f).AsSpan().IndexOf(needle) >= 0);
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
