using System.Buffers;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Tracing;
using EdgeAi.Serving.Tracing;
using Google.Protobuf;

namespace EdgeAi.Hub.Ingest;

/// <summary>What became of one device message.</summary>
internal enum IngestOutcome
{
    /// <summary>Committed to the store (duplicates included): acknowledge it.</summary>
    Stored,

    /// <summary>Not a device-to-hub stream or status topic; nothing to store.</summary>
    NotIngested,

    /// <summary>Malformed: it will never be stored, resending cannot help.</summary>
    Invalid,

    /// <summary>The store failed: do not acknowledge, the sender keeps the message and retries.</summary>
    Failed,
}

/// <summary>
/// One ingest path for both broker modes: parse a device's stream batch or status message and
/// await its commit. The caller acknowledges (PUBACK) according to the outcome.
/// </summary>
internal sealed class MessageIngest(IngestWriter writer, IngestMetrics metrics, ILogger<MessageIngest> logger)
{
    /// <param name="relearned">A retained status read again (external broker, on subscribing): it sets presence but is not news from the device.</param>
    /// <param name="trace">The trace contexts the message's user properties carried (<see cref="TraceContextProperties"/>): the ingest span joins them.</param>
    public async Task<IngestOutcome> IngestAsync(
        string deviceId, string leaf, ReadOnlySequence<byte> payload, CancellationToken cancellationToken, bool relearned = false, TraceContexts? trace = null)
    {
        using var activity = leaf == SyncTopics.Status ? null : HubActivities.StartIngest(deviceId, SyncTopics.For(deviceId, leaf), leaf, trace ?? TraceContexts.None);
        var outcome = await IngestCoreAsync(deviceId, leaf, payload, relearned, activity, cancellationToken).ConfigureAwait(false);
        if (outcome is IngestOutcome.Invalid or IngestOutcome.Failed)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, outcome.ToString());
        }
        return outcome;
    }

    private async Task<IngestOutcome> IngestCoreAsync(
        string deviceId, string leaf, ReadOnlySequence<byte> payload, bool relearned, System.Diagnostics.Activity? activity, CancellationToken cancellationToken)
    {
        var isStatus = leaf == SyncTopics.Status;
        if (!isStatus && !IsStream(leaf))
        {
            return IngestOutcome.NotIngested;
        }
        IMessage message;
        try
        {
            message = isStatus ? Status.Parser.ParseFrom(payload) : RecordBatch.Parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            return Invalid(deviceId, leaf, $"not a {(isStatus ? nameof(Status) : nameof(RecordBatch))} message: {e.Message}");
        }
        try
        {
            switch (message)
            {
                case RecordBatch batch when batch.Stream != leaf:
                    return Invalid(deviceId, leaf, $"the batch says stream '{batch.Stream}' but was sent on '{leaf}'");
                case RecordBatch batch when batch.Records.FirstOrDefault(r => !IsClockTime(r.CreatedUnixMs)) is { } record:
                    return Invalid(deviceId, leaf, $"record seq {record.Seq} has created_unix_ms {record.CreatedUnixMs}, {ClockRange}");
                case Status status when status.StartedUnixMs != 0 && !IsClockTime(status.StartedUnixMs):
                    return Invalid(deviceId, leaf, $"the status has started_unix_ms {status.StartedUnixMs}, {ClockRange}");
                case RecordBatch batch:
                    activity?.SetTag(TraceTags.Records, batch.Records.Count);
                    activity?.SetTag(TraceTags.MessagingBatchCount, batch.Records.Count);
                    await writer.WriteAsync(deviceId, batch, cancellationToken).ConfigureAwait(false);
                    break;
                case Status status:
                    await writer.UpdatePresenceAsync(deviceId, status, relearned, cancellationToken).ConfigureAwait(false);
                    Log.Presence(logger, deviceId, status.Online ? "online" : "offline", relearned ? "retained status re-read" : string.IsNullOrEmpty(status.Reason) ? "-" : status.Reason);
                    break;
            }
            return IngestOutcome.Stored;
        }
        catch (Exception e) when (e is IngestException or OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
            // Logged by the writer (commit failures) or expected at shutdown.
            return IngestOutcome.Failed;
        }
    }

    private const string ClockRange = "not a time any clock gives (unix milliseconds of the years 1 to 9999)";

    private static readonly long EarliestUnixMs = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();
    private static readonly long LatestUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    /// <summary>A device's clock may be wrong, but a time no date can show is malformed: every reader of it would fail.</summary>
    private static bool IsClockTime(long unixMs) => unixMs >= EarliestUnixMs && unixMs <= LatestUnixMs;

    private static bool IsStream(string leaf) =>
        leaf is SyncTopics.Telemetry or SyncTopics.Inference or SyncTopics.Events or SyncTopics.Deployments or SyncTopics.Reported;

    private IngestOutcome Invalid(string deviceId, string leaf, string reason)
    {
        metrics.Rejected();
        Log.InvalidMessage(logger, deviceId, SyncTopics.For(deviceId, leaf), reason);
        return IngestOutcome.Invalid;
    }
}
