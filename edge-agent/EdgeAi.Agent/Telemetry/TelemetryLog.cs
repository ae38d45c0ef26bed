namespace EdgeAi.Agent.Telemetry;

/// <summary>Telemetry log messages; event ids 2600-2699.</summary>
internal static partial class TelemetryLog
{
    [LoggerMessage(2600, LogLevel.Warning, "Telemetry record for the window ending {WindowEnd} not stored: {Reason}")]
    public static partial void TelemetryNotStored(ILogger logger, DateTimeOffset windowEnd, string reason);

    [LoggerMessage(2602, LogLevel.Warning, "Sampled inference records not stored ({Count} dropped and counted; later failures are counted only): {Reason}")]
    public static partial void SamplesNotStored(ILogger logger, int count, string reason);
}
