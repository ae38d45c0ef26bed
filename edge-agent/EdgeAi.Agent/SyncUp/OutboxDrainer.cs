using System.Globalization;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Uplink;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.SyncUp;

/// <summary>
/// Sync up: drains the outbox to the hub over the <see cref="MqttConnection"/>. Sends each stream's oldest
/// records in batches at QoS 1, most urgent stream first, and deletes from the outbox only what the broker
/// acknowledged; a failure leaves the rest for the connection's next turn. The outbox is the only copy that
/// counts, so nothing is lost to a cut.
/// </summary>
internal sealed class OutboxDrainer(DurableOutbox outbox, EventReporter events, UplinkState state, IOptions<UplinkOptions> options, ILogger<OutboxDrainer> logger)
    : IUplinkSender
{
    private readonly UplinkOptions _options = options.Value;

    public long Waiting => outbox.TotalDepth;

    public Task<bool> WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken) => outbox.WaitForRecordsAsync(timeout, cancellationToken);

    /// <summary>
    /// Sends until the outbox is empty, up to MaxInFlight batches at once, the most urgent stream with
    /// unsent records first. Acknowledgements are taken in sending order and each deletes its batch, so
    /// only a prefix of what was sent is ever deleted; on any failure the rest stays and is sent again.
    /// When the outbox replaces a damaged file its record ids start over: the cursor starts over with
    /// them, and acknowledgements of batches sent from the old file delete nothing.
    /// </summary>
    public async Task SendAsync(UplinkLink link, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(link);
        var cursor = new DrainCursor(outbox.Generation);
        var inFlight = new Queue<(string Stream, OutboxRecord Last, int Count, Task Publish)>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                while (inFlight.Count < _options.MaxInFlight && NextBatch(link, cursor) is { } next)
                {
                    cursor.SentUpTo[next.Stream] = next.Last.Id;
                    inFlight.Enqueue((next.Stream, next.Last, next.Count, link.PublishAsync(next.Stream, next.Payload, retain: false, cancellationToken, next.TraceProperties)));
                }
                if (!inFlight.TryDequeue(out var oldest))
                {
                    return;
                }
                await oldest.Publish.ConfigureAwait(false);
                outbox.Acknowledge(oldest.Stream, oldest.Last);
                state.Sent(oldest.Count);
            }
        }
        finally
        {
            // Abandoned publishes still complete (or fail) on their own; observe them so no failure goes unobserved.
            foreach (var (_, _, _, publish) in inFlight)
            {
                _ = publish.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }
        }
    }

    /// <summary>The next batch: cut by <see cref="BatchCutter"/> at BatchSize records, the byte limit and an epoch change.</summary>
    private (string Stream, OutboxRecord Last, int Count, byte[] Payload, IReadOnlyList<KeyValuePair<string, string>> TraceProperties)? NextBatch(UplinkLink link, DrainCursor cursor)
    {
        var streams = new Queue<string>(outbox.StreamsByPriority());
        while (streams.TryDequeue(out var stream))
        {
            var records = outbox.Peek(stream, _options.BatchSize, cursor.SentUpTo.GetValueOrDefault(stream));
            if (records.Count == 0)
            {
                continue;
            }
            if (records[0].Generation != cursor.Generation)
            {
                // The file was replaced (perhaps by this very peek): its ids mean something else now.
                cursor.Restart(records[0].Generation);
                streams = new Queue<string>(outbox.StreamsByPriority());
                continue;
            }
            var cut = BatchCutter.Cut(stream, records, _options.BatchSize, MessageLimit(link, stream));
            if (cut.TooLarge is { } huge)
            {
                DropTooLarge(link, stream, huge, cut.Bytes);
                streams = new Queue<string>([stream, .. streams]);
                continue;
            }
            return (stream, cut.Last!, cut.Batch!.Records.Count, cut.Batch.ToByteArray(), cut.TraceProperties);
        }
        return null;
    }

    /// <summary>Payload bytes one message may carry: Uplink:MaxBatchBytes, or less when the broker announced a smaller Maximum Packet Size.</summary>
    private long MessageLimit(UplinkLink link, string stream)
    {
        var broker = link.BrokerMaximumPacketSize;
        var limit = (long)_options.MaxBatchBytes;
        // A broker announcing less than the smallest configurable limit is not believed: obeying it would drop every record.
        return broker >= 4096 ? Math.Min(limit, broker - BatchCutter.PacketOverhead(link.Topic(stream))) : limit;
    }

    /// <summary>
    /// A record no message can carry would hold back its stream for ever: it is removed, counted as
    /// dropped, and reported (the event is small enough for any broker).
    /// </summary>
    private void DropTooLarge(UplinkLink link, string stream, OutboxRecord record, long bytes)
    {
        var limit = MessageLimit(link, stream);
        if (!outbox.Discard(stream, record))
        {
            return;
        }
        SyncUpLog.RecordTooLarge(logger, stream, record.Sequence, bytes, limit);
        events.Report("record_too_large", EventReporter.Warning,
            $"{stream} record {record.Sequence} needs {bytes} bytes in a message, over the limit of {limit}; it was dropped",
            new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["stream"] = stream,
                ["seq"] = record.Sequence.ToString(CultureInfo.InvariantCulture),
                ["epoch"] = record.Epoch.ToString(CultureInfo.InvariantCulture),
                ["bytes"] = bytes.ToString(CultureInfo.InvariantCulture),
                ["limit"] = limit.ToString(CultureInfo.InvariantCulture),
            });
    }

    /// <summary>Where the drain is: per stream, the last record id sent, valid for one outbox generation.</summary>
    private sealed class DrainCursor(long generation)
    {
        public long Generation { get; private set; } = generation;

        public Dictionary<string, long> SentUpTo { get; } = new(StringComparer.Ordinal);

        public void Restart(long generation)
        {
            Generation = generation;
            SentUpTo.Clear();
        }
    }
}

/// <summary>Sync-up log messages; event id 2208, kept from when the drain was part of the uplink (2200-2299).</summary>
internal static partial class SyncUpLog
{
    [LoggerMessage(2208, LogLevel.Warning, "Dropped {Stream} record {Seq}: it needs {Bytes} bytes in a message, over the limit of {Limit}")]
    public static partial void RecordTooLarge(ILogger logger, string stream, long seq, long bytes, long limit);
}
