namespace EdgeAi.Agent.Outbox;

/// <summary>Outbox log messages; event ids 2500-2599, and 2209 for events not stored (kept from when the event reporter was part of the uplink).</summary>
internal static partial class OutboxLog
{
    [LoggerMessage(2500, LogLevel.Information, "Outbox {File} checked in {ElapsedMs} ms: {Records} records in {Pages} pages")]
    public static partial void Checked(ILogger logger, string file, long elapsedMs, long records, long pages);

    [LoggerMessage(2501, LogLevel.Error, "Outbox file replaced ({Reason}): {Saved} records saved, {Lost} lost, damaged file kept as {MovedTo}; new epoch {Epoch}")]
    public static partial void Reset(ILogger logger, string reason, long saved, long lost, string? movedTo, long epoch);

    [LoggerMessage(2502, LogLevel.Warning, "Outbox I/O failed ({Reason}); the file reads back whole and was reopened")]
    public static partial void Reopened(ILogger logger, string reason);

    [LoggerMessage(2503, LogLevel.Warning, "Outbox could not {Operation} even after recovering: {Reason}")]
    public static partial void Unavailable(ILogger logger, string operation, string reason);

    [LoggerMessage(2504, LogLevel.Information, "Outbox key created at {Path} (owner-only); the outbox file is encrypted with it")]
    public static partial void KeyCreated(ILogger logger, string path);

    [LoggerMessage(2505, LogLevel.Information, "Outbox {File} rewritten {Direction}: {Records} records in {ElapsedMs} ms")]
    public static partial void Migrated(ILogger logger, string file, string direction, long records, long elapsedMs);

    [LoggerMessage(2506, LogLevel.Warning, "Outbox {File} could not be rewritten {Direction} ({Reason}); it is used as it is, and the next start tries again")]
    public static partial void MigrationFailed(ILogger logger, string file, string direction, string reason);

    [LoggerMessage(2209, LogLevel.Warning, "Event {Kind} not stored: {Reason}")]
    public static partial void EventNotStored(ILogger logger, string kind, string reason);
}
