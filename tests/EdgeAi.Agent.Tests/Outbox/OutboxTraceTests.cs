using System.Diagnostics;
using System.Text;
using EdgeAi.Agent.Outbox;
using LiteDB;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Agent.Tests.Outbox;

/// <summary>A record keeps the trace context it was written under, and files from before it existed still read.</summary>
public sealed class OutboxTraceTests : IDisposable
{
    private const string TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-outbox-trace-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));

    private string FilePath => Path.Combine(_dir, "outbox.db");

    [Fact]
    public void Append_UnderActivity_RecordCarriesItsTraceParent_AcrossRestart()
    {
        string expected;
        using (var outbox = DurableOutbox.Open(FilePath, new OutboxOptions(), _time))
        {
            using (var activity = new Activity("rule").SetIdFormat(ActivityIdFormat.W3C).Start())
            {
                expected = activity.Id!;
                outbox.Append("events", Encoding.UTF8.GetBytes("caused"));
            }
            outbox.Append("events", Encoding.UTF8.GetBytes("background"));
        }

        using var reopened = DurableOutbox.Open(FilePath, new OutboxOptions(), _time);
        reopened.Peek("events", 10).Select(r => r.TraceParent).ShouldBe([expected, null]);
    }

    [Fact]
    public void Document_WithoutTraceField_ReadsAsNoContext()
    {
        var old = new BsonDocument { ["_id"] = 7L, ["seq"] = 3L, ["at"] = 0L, ["exp"] = long.MaxValue, ["data"] = new byte[] { 1 } };

        var record = OutboxDocuments.ToRecord(old, fileEpoch: 5, generation: 1);

        record.TraceParent.ShouldBeNull();
        record.Sequence.ShouldBe(3);
    }

    [Theory]
    [InlineData("not-a-traceparent")]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    public void Document_MalformedTraceField_Ignored(string value)
    {
        var document = OutboxDocuments.Record(1, _time.GetUtcNow(), null, [1], traceParent: value);
        document.ContainsKey("tp").ShouldBeFalse();

        document["_id"] = 1L;
        document["tp"] = value;
        OutboxDocuments.ToRecord(document, 1, 1).TraceParent.ShouldBeNull();
        document["tp"] = 42;
        OutboxDocuments.ToRecord(document, 1, 1).TraceParent.ShouldBeNull();
    }

    [Fact]
    public void Salvaged_KeepsTraceParent()
    {
        var document = OutboxDocuments.Record(1, _time.GetUtcNow(), null, [1], TraceParent);

        var salvaged = OutboxDocuments.Salvaged(document, fileEpoch: 9)!;

        salvaged["tp"].AsString.ShouldBe(TraceParent);
        OutboxDocuments.Salvaged(OutboxDocuments.Record(2, _time.GetUtcNow(), null, [1]), 9)!.ContainsKey("tp").ShouldBeFalse();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
