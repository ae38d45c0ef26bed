namespace EdgeAi.Hub.Ingest;

/// <summary>Ingest and store log messages; event ids 3150-3199.</summary>
internal static partial class Log
{
    [LoggerMessage(3150, LogLevel.Warning, "Refused a message from {DeviceId} on {Topic}: {Reason}")]
    public static partial void InvalidMessage(ILogger logger, string deviceId, string topic, string reason);

    [LoggerMessage(3151, LogLevel.Error, "Store commit of {Batches} batches ({Records} records) failed; senders will retry")]
    public static partial void CommitFailed(ILogger logger, Exception exception, int batches, int records);

    [LoggerMessage(3152, LogLevel.Information, "Device {DeviceId} is {Presence} ({Reason})")]
    public static partial void Presence(ILogger logger, string deviceId, string presence, string reason);
}
