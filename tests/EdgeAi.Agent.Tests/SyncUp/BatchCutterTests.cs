using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.SyncUp;
using EdgeAi.Common.Sync;
using Google.Protobuf;

namespace EdgeAi.Agent.Tests.SyncUp;

/// <summary>One message per cut: at most BatchSize records, at most the byte limit, one epoch.</summary>
public sealed class BatchCutterTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Cut_UnderEveryLimit_TakesAllRecordsInOrder()
    {
        var records = Records(epoch: 7, count: 10, bytes: 100);

        var cut = BatchCutter.Cut(SyncTopics.Telemetry, records, maxRecords: 500, maxBytes: 1_048_576);

        cut.Batch!.Records.Select(r => r.Seq).ShouldBe(Enumerable.Range(1, 10).Select(i => (long)i));
        cut.Batch.Epoch.ShouldBe(7);
        cut.Last.ShouldBe(records[^1]);
        cut.Bytes.ShouldBe(cut.Batch.CalculateSize());
    }

    [Fact]
    public void Cut_RecordsWithTraceContexts_PropertiesNameOnlyTheRecordsInTheBatch()
    {
        const string first = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        const string second = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        const string left = "00-5bf92f3577b34da6a3ce929d0e0e4736-10f067aa0ba902b7-01";
        var records = Records(epoch: 7, count: 4, bytes: 10);
        records[1] = records[1] with { TraceParent = first };
        records[2] = records[2] with { TraceParent = second };
        records[3] = records[3] with { TraceParent = left };

        var cut = BatchCutter.Cut(SyncTopics.Events, records, maxRecords: 3, maxBytes: 1_048_576);

        cut.TraceProperties.ShouldBe([new(TraceContextProperties.TraceParent, first), new(TraceContextProperties.Links, second)]);
        BatchCutter.Cut(SyncTopics.Events, Records(epoch: 7, count: 2, bytes: 10), 10, 1_048_576).TraceProperties.ShouldBeEmpty();
    }

    [Fact]
    public void Cut_MoreThanBatchSize_StopsAtBatchSize()
    {
        var cut = BatchCutter.Cut(SyncTopics.Telemetry, Records(epoch: 7, count: 10, bytes: 10), maxRecords: 4, maxBytes: 1_048_576);

        cut.Batch!.Records.Count.ShouldBe(4);
        cut.Last!.Sequence.ShouldBe(4);
    }

    [Fact]
    public void Cut_ByteLimit_StopsBeforeTheRecordThatWouldCrossIt()
    {
        var records = Records(epoch: 7, count: 100, bytes: 1000);

        var cut = BatchCutter.Cut(SyncTopics.Inference, records, maxRecords: 500, maxBytes: 10_000);

        cut.Batch!.Records.Count.ShouldBe(9, "each record takes a little over 1000 bytes on the wire");
        cut.Batch.ToByteArray().Length.ShouldBeLessThanOrEqualTo(10_000);
        cut.Bytes.ShouldBe(cut.Batch.CalculateSize());
    }

    [Fact]
    public void Cut_EpochChanges_StopsAtTheFirstRecordOfTheNewEpoch()
    {
        // Records salvaged from a replaced file (their own epoch) come first, then the fresh file's.
        var records = Records(epoch: 7, count: 3, bytes: 10).Concat(Records(epoch: 9, count: 3, bytes: 10)).ToList();

        var first = BatchCutter.Cut(SyncTopics.Events, records, maxRecords: 500, maxBytes: 1_048_576);
        var second = BatchCutter.Cut(SyncTopics.Events, records[3..], maxRecords: 500, maxBytes: 1_048_576);

        first.Batch!.Epoch.ShouldBe(7);
        first.Batch.Records.Count.ShouldBe(3);
        second.Batch!.Epoch.ShouldBe(9);
        second.Batch.Records.Count.ShouldBe(3);
    }

    [Fact]
    public void Cut_FirstRecordAloneOverTheLimit_ReportsItTooLarge()
    {
        var records = Records(epoch: 7, count: 1, bytes: 20_000).Concat(Records(epoch: 7, count: 2, bytes: 10)).ToList();

        var cut = BatchCutter.Cut(SyncTopics.Reported, records, maxRecords: 500, maxBytes: 10_000);

        cut.Batch.ShouldBeNull();
        cut.TooLarge.ShouldBe(records[0]);
        cut.Bytes.ShouldBeGreaterThan(10_000);
    }

    private static List<OutboxRecord> Records(long epoch, int count, int bytes) =>
        [.. Enumerable.Range(1, count).Select(i => new OutboxRecord(i, i, At, new byte[bytes], epoch, Generation: 1))];
}
