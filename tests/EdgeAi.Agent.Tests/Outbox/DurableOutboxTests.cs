using System.Text;
using EdgeAi.Agent.Outbox;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Agent.Tests.Outbox;

public sealed class DurableOutboxTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-outbox-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    private string FilePath => Path.Combine(_dir, "outbox.db");

    [Fact]
    public void Append_ThenPeek_ReturnsRecordsInOrderWithIncreasingSequence()
    {
        using var outbox = DurableOutbox.Open(FilePath, new OutboxOptions(), _time);

        outbox.Append("telemetry", [Bytes("a"), Bytes("b")]).ShouldBe([1L, 2L]);
        outbox.Append("telemetry", Bytes("c")).ShouldBe(3);
        outbox.Append("events", Bytes("e")).ShouldBe(1);

        var records = outbox.Peek("telemetry", 10);
        records.Select(r => r.Sequence).ShouldBe([1L, 2L, 3L]);
        records.Select(r => Encoding.UTF8.GetString(r.Payload)).ShouldBe(["a", "b", "c"]);
        outbox.TotalDepth.ShouldBe(4);
    }

    [Fact]
    public async Task WaitForRecords_CompletesOnAppend_OrFalseAfterTimeout()
    {
        using var outbox = DurableOutbox.Open(FilePath, new OutboxOptions(), _time);

        var idle = outbox.WaitForRecordsAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        idle.IsCompleted.ShouldBeFalse();
        _time.Advance(TimeSpan.FromSeconds(5));
        (await idle).ShouldBeFalse();

        var waiting = outbox.WaitForRecordsAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        outbox.Append("events", Bytes("e"));
        (await waiting).ShouldBeTrue();
        (await outbox.WaitForRecordsAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken)).ShouldBeTrue();
    }

    [Fact]
    public void Epoch_SurvivesRestart_AndANewFileGetsAnother()
    {
        long epoch;
        using (var outbox = DurableOutbox.Open(FilePath, new OutboxOptions(), _time))
        {
            epoch = outbox.Epoch;
        }
        using (var reopened = DurableOutbox.Open(FilePath, new OutboxOptions(), _time))
        {
            reopened.Epoch.ShouldBe(epoch);
        }

        using var other = DurableOutbox.Open(Path.Combine(_dir, "other.db"), new OutboxOptions(), _time);
        other.Epoch.ShouldNotBe(epoch);
    }

    [Fact]
    public void Sequence_SurvivesRestartEvenWhenEmpty()
    {
        using (var outbox = DurableOutbox.Open(FilePath, new OutboxOptions(), _time))
        {
            outbox.Append("telemetry", [Bytes("a"), Bytes("b")]);
            var records = outbox.Peek("telemetry", 10);
            outbox.Acknowledge("telemetry", records[^1]);
            outbox.Stats("telemetry").Depth.ShouldBe(0);
        }

        using var reopened = DurableOutbox.Open(FilePath, new OutboxOptions(), _time);
        reopened.Append("telemetry", Bytes("c")).ShouldBe(3);
    }

    [Fact]
    public void Acknowledge_DeletesOnlyUpToTheAcknowledgedRecord()
    {
        using var outbox = DurableOutbox.Open(FilePath, new OutboxOptions(), _time);
        outbox.Append("telemetry", [Bytes("a"), Bytes("b"), Bytes("c")]);
        var records = outbox.Peek("telemetry", 2);

        outbox.Acknowledge("telemetry", records[^1]);

        outbox.Peek("telemetry", 10).Select(r => r.Sequence).ShouldBe([3L]);
    }

    [Fact]
    public void Full_TelemetryDropsOldestAndCounts()
    {
        var options = new OutboxOptions();
        options.Streams["telemetry"] = new OutboxStreamOptions { MaxRecords = 3, OnFull = OnFull.DropOldest };
        using var outbox = DurableOutbox.Open(FilePath, options, _time);

        outbox.Append("telemetry", [.. Enumerable.Range(1, 5).Select(i => Bytes($"t{i}"))]);

        outbox.Peek("telemetry", 10).Select(r => r.Sequence).ShouldBe([3L, 4L, 5L]);
        outbox.Stats("telemetry").Dropped.ShouldBe(2);
    }

    [Fact]
    public void Full_RefusingStreamRefusesAndCounts()
    {
        var options = new OutboxOptions();
        options.Streams["events"] = new OutboxStreamOptions { MaxRecords = 2, OnFull = OnFull.Refuse };
        using var outbox = DurableOutbox.Open(FilePath, options, _time);

        outbox.Append("events", [Bytes("1"), Bytes("2"), Bytes("3")]).ShouldBe([1L, 2L, -1L]);

        outbox.Stats("events").Refused.ShouldBe(1);
    }

    [Fact]
    public void TotalCap_StatusIsNeverDropped_TelemetryMakesRoom()
    {
        var options = new OutboxOptions { MaxTotalRecords = 4 };
        using var outbox = DurableOutbox.Open(FilePath, options, _time);
        outbox.Append("telemetry", [Bytes("t1"), Bytes("t2"), Bytes("t3"), Bytes("t4")]);

        outbox.Append("deployments", [Bytes("d1"), Bytes("d2")]).ShouldBe([1L, 2L]);
        outbox.Append("telemetry", Bytes("t5"));

        outbox.Peek("deployments", 10).Count.ShouldBe(2);
        outbox.Stats("telemetry").Dropped.ShouldBe(3);
        outbox.Peek("telemetry", 10).Select(r => Encoding.UTF8.GetString(r.Payload)).ShouldBe(["t4", "t5"]);
        outbox.TotalDepth.ShouldBe(4);
    }

    [Fact]
    public void TotalCap_OnlyKeepStreamsLeft_KeepsGrowing()
    {
        var options = new OutboxOptions { MaxTotalRecords = 2 };
        using var outbox = DurableOutbox.Open(FilePath, options, _time);

        outbox.Append("reported", [Bytes("r1"), Bytes("r2"), Bytes("r3")]).ShouldBe([1L, 2L, 3L]);

        outbox.Stats("reported").Depth.ShouldBe(3);
    }

    [Fact]
    public void Peek_ExpiredRecords_AreDiscardedAndCounted()
    {
        var options = new OutboxOptions();
        options.Streams["telemetry"] = new OutboxStreamOptions { TimeToLive = TimeSpan.FromMinutes(10) };
        using var outbox = DurableOutbox.Open(FilePath, options, _time);
        outbox.Append("telemetry", Bytes("old"));
        _time.Advance(TimeSpan.FromMinutes(9));
        outbox.Append("telemetry", Bytes("new"));
        _time.Advance(TimeSpan.FromMinutes(2));

        outbox.Peek("telemetry", 10).Select(r => Encoding.UTF8.GetString(r.Payload)).ShouldBe(["new"]);

        outbox.Stats("telemetry").Expired.ShouldBe(1);
    }

    [Fact]
    public void Counters_SurviveRestart()
    {
        var options = new OutboxOptions();
        options.Streams["telemetry"] = new OutboxStreamOptions { MaxRecords = 1 };
        using (var outbox = DurableOutbox.Open(FilePath, options, _time))
        {
            outbox.Append("telemetry", [Bytes("a"), Bytes("b"), Bytes("c")]);
        }

        using var reopened = DurableOutbox.Open(FilePath, options, _time);
        var stats = reopened.Stats("telemetry");
        stats.Dropped.ShouldBe(2);
        stats.Depth.ShouldBe(1);
        stats.NextSequence.ShouldBe(4);
    }

    [Fact]
    public void Open_CorruptFile_IsMovedAsideAndStartsEmpty()
    {
        File.WriteAllBytes(FilePath, [.. Enumerable.Range(0, 16384).Select(i => (byte)(i * 31))]);

        using var outbox = DurableOutbox.Open(FilePath, new OutboxOptions(), _time);

        outbox.ResetReason.ShouldNotBeNull();
        outbox.ResetReason.ShouldContain("moved to outbox.db.corrupt-");
        Directory.EnumerateFiles(_dir, "outbox.db.corrupt-*").ShouldNotBeEmpty();
        outbox.Append("telemetry", Bytes("fresh")).ShouldBe(1);
    }

    [Fact]
    public void StreamsByPriority_StatusBeforeTelemetry()
    {
        using var outbox = DurableOutbox.Open(FilePath, new OutboxOptions(), _time);
        outbox.Append("telemetry", Bytes("t"));
        outbox.Append("reported", Bytes("r"));
        outbox.Append("deployments", Bytes("d"));

        outbox.StreamsByPriority().ShouldBe(["deployments", "reported", "telemetry"]);
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
