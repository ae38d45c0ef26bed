using EdgeAi.Common.Sync;
using LiteDB;

namespace EdgeAi.Agent.Outbox;

/// <summary>
/// A record waiting to be sent. Its epoch and stream sequence number go on the wire; <see cref="Id"/>
/// and <see cref="Generation"/> say where it sits in the outbox file open now (a replaced file gives its
/// salvaged records new ids, so an acknowledgement for the old file's ids must not delete them).
/// <see cref="TraceParent"/> is the W3C trace context current when it was appended (a request, a rule), if any.
/// </summary>
internal sealed record OutboxRecord(long Id, long Sequence, DateTimeOffset CreatedAt, byte[] Payload, long Epoch, long Generation, string? TraceParent = null);

/// <summary>Per-stream counters, persisted so drops are reported even across restarts.</summary>
internal sealed record OutboxStats(string Stream, long Depth, long NextSequence, long Dropped, long Refused, long Expired);

/// <summary>
/// How records sit in the LiteDB file, mapped by hand (the reflection mapper does not trim): one collection
/// per stream (<c>s_{stream}</c>, ordered by an auto-increment id), each record a document of its sequence
/// number, creation and expiry ticks, payload, the trace context it was written under ("tp", only when there was
/// one: files written before it existed read as records without one) and, for one salvaged from an older file,
/// that file's epoch.
/// </summary>
internal static class OutboxDocuments
{
    public static ILiteCollection<BsonDocument> Records(LiteDatabase db, string stream) => db.GetCollection("s_" + stream, BsonAutoId.Int64);

    /// <summary>The streams whose collections the file holds.</summary>
    public static IEnumerable<string> Streams(LiteDatabase db) =>
        db.GetCollectionNames().Where(n => n.StartsWith("s_", StringComparison.Ordinal)).Select(n => n[2..]);

    public static BsonDocument Record(long sequence, DateTimeOffset at, DateTimeOffset? expires, byte[] payload, string? traceParent = null)
    {
        var document = new BsonDocument
        {
            ["seq"] = sequence,
            ["at"] = at.UtcTicks,
            ["exp"] = expires?.UtcTicks ?? long.MaxValue,
            ["data"] = payload,
        };
        if (TraceContextProperties.IsValid(traceParent))
        {
            document["tp"] = traceParent;
        }
        return document;
    }

    /// <summary>The record's trace context; null when it has none or what it has is not a valid traceparent.</summary>
    public static string? TraceParent(BsonDocument d) =>
        d.TryGetValue("tp", out var tp) && tp.IsString && TraceContextProperties.IsValid(tp.AsString) ? tp.AsString : null;

    /// <summary>When the record expires, in UTC ticks (<see cref="long.MaxValue"/>: never).</summary>
    public static long ExpiresTicks(BsonDocument d) => d["exp"].AsInt64;

    public static long Id(BsonDocument d) => d["_id"].AsInt64;

    /// <summary>A salvaged record's epoch is stored with it ("ep"); a record without one belongs to the file's epoch.</summary>
    public static OutboxRecord ToRecord(BsonDocument d, long fileEpoch, long generation) =>
        new(d["_id"].AsInt64, d["seq"].AsInt64, new DateTimeOffset(d["at"].AsInt64, TimeSpan.Zero), d["data"].AsBinary,
            d.TryGetValue("ep", out var epoch) && epoch.IsInt64 ? epoch.AsInt64 : fileEpoch, generation, TraceParent(d));

    /// <summary>A record read from a damaged file, ready for the fresh one with its epoch; null when it is not a whole record.</summary>
    public static BsonDocument? Salvaged(BsonDocument d, long fileEpoch)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (!d["seq"].IsInt64 || !d["at"].IsInt64 || !d["exp"].IsInt64 || !d["data"].IsBinary || d["at"].AsInt64 is < 0 or > 3155378975999999999)
        {
            return null;
        }
        var salvaged = new BsonDocument
        {
            ["seq"] = d["seq"],
            ["at"] = d["at"],
            ["exp"] = d["exp"],
            ["data"] = d["data"],
            ["ep"] = d.TryGetValue("ep", out var epoch) && epoch.IsInt64 ? epoch.AsInt64 : fileEpoch,
        };
        if (TraceParent(d) is { } traceParent)
        {
            salvaged["tp"] = traceParent;
        }
        return salvaged;
    }
}
