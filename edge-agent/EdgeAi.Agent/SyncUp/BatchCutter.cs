using System.Text;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Sync;
using Google.Protobuf;

namespace EdgeAi.Agent.SyncUp;

/// <summary>
/// The next message of a stream: its oldest records, up to <c>Uplink:BatchSize</c> of them and as many
/// bytes as one message may carry, all of one epoch (a <see cref="RecordBatch"/> names one epoch, and
/// the records salvaged from a replaced outbox file keep theirs). A record that does not fit in a
/// message even alone is returned as <see cref="CutBatch.TooLarge"/>: it can never be sent, and left in
/// place it would hold back its whole stream.
/// </summary>
internal static class BatchCutter
{
    /// <summary>What an MQTT 5 PUBLISH adds around its payload (fixed header, topic, packet id, properties with the trace contexts), with room to spare.</summary>
    public static int PacketOverhead(string topic) => 32 + Encoding.UTF8.GetByteCount(topic) + TraceContextProperties.MaxEncodedBytes;

    public static CutBatch Cut(string stream, IReadOnlyList<OutboxRecord> records, int maxRecords, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return new CutBatch(null, null, 0, null, []);
        }
        var batch = new RecordBatch { Stream = stream, Epoch = records[0].Epoch };
        long size = batch.CalculateSize();
        OutboxRecord? last = null;
        var traceParents = new List<string?>();
        foreach (var record in records.Take(maxRecords))
        {
            if (record.Epoch != batch.Epoch)
            {
                break;
            }
            var wire = new Record
            {
                Seq = record.Sequence,
                CreatedUnixMs = record.CreatedAt.ToUnixTimeMilliseconds(),
                Body = UnsafeByteOperations.UnsafeWrap(record.Payload),
            };
            var recordSize = wire.CalculateSize();
            var added = 1 + CodedOutputStream.ComputeLengthSize(recordSize) + recordSize;
            if (size + added > maxBytes)
            {
                if (last is null)
                {
                    return new CutBatch(null, null, size + added, record, []);
                }
                break;
            }
            batch.Records.Add(wire);
            traceParents.Add(record.TraceParent);
            size += added;
            last = record;
        }
        return new CutBatch(batch, last, size, null, TraceContextProperties.Format(traceParents));
    }
}

/// <summary>
/// A message to send (<see cref="Batch"/>, ending with <see cref="Last"/>, with the MQTT user properties that carry its
/// records' trace contexts), or a record that can never be sent.
/// </summary>
internal sealed record CutBatch(RecordBatch? Batch, OutboxRecord? Last, long Bytes, OutboxRecord? TooLarge, IReadOnlyList<KeyValuePair<string, string>> TraceProperties);
