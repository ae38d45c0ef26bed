namespace EdgeAi.Hub.Broker.DynamicSecurity;

/// <summary>Dynamic security (the external broker's device accounts) log messages; event ids 3120-3139.</summary>
internal static partial class Log
{
    [LoggerMessage(3120, LogLevel.Information, "Dynamic-security link to {Broker} up as {ClientId}")]
    public static partial void LinkConnected(ILogger logger, Uri broker, string clientId);

    [LoggerMessage(3121, LogLevel.Warning, "Dynamic-security link to {Broker} failed: {Reason}; retrying in {Delay}")]
    public static partial void LinkFailed(ILogger logger, Uri broker, string reason, TimeSpan delay);

    [LoggerMessage(3122, LogLevel.Warning, "Ignored an unreadable dynamic-security reply: {Reason}")]
    public static partial void ReplyUnreadable(ILogger logger, string reason);

    [LoggerMessage(3123, LogLevel.Information, "Broker login for device {DeviceId} with role {Role}: {Change}")]
    public static partial void DeviceProvisioned(ILogger logger, string deviceId, string role, string change);

    [LoggerMessage(3124, LogLevel.Information, "Reconciled the external broker's accounts: {Clients} clients there, {Disabled} revoked device(s) disabled, {Provisioned} configured device(s) provisioned")]
    public static partial void Reconciled(ILogger logger, int clients, int disabled, int provisioned);

    [LoggerMessage(3125, LogLevel.Warning, "The external broker has no login for {Count} enrolled device(s): {Devices}. Their keys are not recoverable (the hub keeps only hashes): re-enroll them, or create their clients by hand")]
    public static partial void DevicesMissing(ILogger logger, int count, string devices);

    [LoggerMessage(3126, LogLevel.Warning, "Reconciling the external broker's accounts failed: {Reason}; trying again when the link comes back")]
    public static partial void ReconcileFailed(ILogger logger, string reason);

    [LoggerMessage(3127, LogLevel.Warning, "Configured device {DeviceId} (Hub:DeviceKeys) gets no broker login: {Reason}")]
    public static partial void ConfiguredDeviceNotProvisioned(ILogger logger, string deviceId, string reason);
}
