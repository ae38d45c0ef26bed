using EdgeAi.Common.Sync;
using Google.Protobuf;

namespace EdgeAi.Agent.Outbox;

/// <summary>Appends an event for the hub to the outbox (it travels when the link allows).</summary>
internal sealed class EventReporter(DurableOutbox outbox, ILogger<EventReporter> logger)
{
    public const string Info = "info";
    public const string Warning = "warning";
    public const string Error = "error";

    /// <summary>The event's sequence number; -1 when the outbox refused it (full, or its disk failing), which is logged.</summary>
    public long Report(string kind, string severity, string message, IDictionary<string, string>? attributes = null)
    {
        var e = new DeviceEvent { Kind = kind, Severity = severity, Message = message };
        if (attributes is not null)
        {
            e.Attributes.Add(attributes);
        }
        try
        {
            return outbox.Append(SyncTopics.Events, e.ToByteArray());
        }
        catch (OutboxUnavailableException ex)
        {
            // Events report; they must never break what they report on.
            OutboxLog.EventNotStored(logger, kind, ex.Message);
            return -1;
        }
    }
}
