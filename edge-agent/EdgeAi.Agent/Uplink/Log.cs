namespace EdgeAi.Agent.Uplink;

/// <summary>Uplink log messages; event ids 2200-2299.</summary>
internal static partial class Log
{
    [LoggerMessage(2200, LogLevel.Information, "Uplink off (Uplink:BrokerUrl not set): records stay in the outbox")]
    public static partial void Disabled(ILogger logger);

    [LoggerMessage(2201, LogLevel.Information, "Uplink connected to {Broker} as {DeviceId} (session present: {SessionPresent}); {Backlog} records waiting")]
    public static partial void Connected(ILogger logger, Uri broker, string deviceId, bool sessionPresent, long backlog);

    [LoggerMessage(2202, LogLevel.Warning, "Uplink to {Broker} failed ({Failures} in a row), retrying in {Delay}: {Reason}")]
    public static partial void Failed(ILogger logger, Uri broker, int failures, TimeSpan delay, string reason);

    [LoggerMessage(2203, LogLevel.Warning, "Broker refused subscription to {Topic}: {Reason}")]
    public static partial void SubscriptionRefused(ILogger logger, string topic, string reason);

    [LoggerMessage(2207, LogLevel.Information, "Uplink went offline cleanly ({Backlog} records left in the outbox)")]
    public static partial void WentOffline(ILogger logger, long backlog);
}
