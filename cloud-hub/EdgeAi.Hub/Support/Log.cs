namespace EdgeAi.Hub.Support;

/// <summary>Support bundle log messages; event ids 3700-3719.</summary>
internal static partial class Log
{
    [LoggerMessage(3700, LogLevel.Information, "Support bundle {RequestId} requested of device {DeviceId} by {Actor}")]
    public static partial void Requested(ILogger logger, string requestId, string deviceId, string actor);

    [LoggerMessage(3701, LogLevel.Information, "Support bundle {RequestId} received from device {DeviceId}: {Bytes} bytes")]
    public static partial void Received(ILogger logger, string requestId, string deviceId, long bytes);

    [LoggerMessage(3702, LogLevel.Warning, "Support bundle upload from device {DeviceId} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string deviceId, string reason);

    [LoggerMessage(3703, LogLevel.Warning, "Support bundle command for device {DeviceId} not published now (the broker is not taking publishes): {Reason}")]
    public static partial void NotPublished(ILogger logger, string deviceId, string reason);
}
