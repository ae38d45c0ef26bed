namespace EdgeAi.Hub.Security;

/// <summary>Identity log messages (admin key, enrollment, credentials, revocation); event ids 3300-3349.</summary>
internal static partial class Log
{
    [LoggerMessage(3300, LogLevel.Information, "Generated an admin API key into {Path} (owner-only): the cloud-hub CLI on this machine reads it; give it to other admins with care")]
    public static partial void AdminKeyGenerated(ILogger logger, string path);

    [LoggerMessage(3301, LogLevel.Information, "Admin API key: {Path}")]
    public static partial void AdminKeyFromFile(ILogger logger, string path);

    [LoggerMessage(3310, LogLevel.Information, "Device credentials loaded: {Enrolled} enrolled, {Revoked} revoked, {Configured} from Hub:DeviceKeys")]
    public static partial void CredentialsLoaded(ILogger logger, int enrolled, int revoked, int configured);

    [LoggerMessage(3311, LogLevel.Information, "Enrolled device {DeviceId} with token {TokenId} (tags {Tags})")]
    public static partial void DeviceEnrolled(ILogger logger, string deviceId, string tokenId, string tags);

    [LoggerMessage(3312, LogLevel.Warning, "Refused an enrollment from {Remote}: {Reason}")]
    public static partial void EnrollmentRefused(ILogger logger, string remote, string reason);

    [LoggerMessage(3313, LogLevel.Warning, "Revoked device {DeviceId}; its MQTT session {Disconnected}")]
    public static partial void DeviceRevoked(ILogger logger, string deviceId, string disconnected);

    [LoggerMessage(3314, LogLevel.Warning, "Refused a call from revoked device {DeviceId} ({Remote})")]
    public static partial void RevokedDeviceRefused(ILogger logger, string deviceId, string remote);

    [LoggerMessage(3315, LogLevel.Warning, "Revoked device {DeviceId} could not be disabled at the external broker now ({Reason}); the next reconciliation with it does that")]
    public static partial void DisableDeferred(ILogger logger, string deviceId, string reason);

    [LoggerMessage(3320, LogLevel.Information, "Device {DeviceId}'s key was not cached here: read from the store (enrolled through another replica)")]
    public static partial void CredentialFetched(ILogger logger, string deviceId);

    [LoggerMessage(3321, LogLevel.Warning, "Device {DeviceId} was revoked (through another replica): refused here from now on")]
    public static partial void RevocationNoticed(ILogger logger, string deviceId);

    [LoggerMessage(3322, LogLevel.Warning, "Could not refresh device credentials from the store: {Reason}; the cache keeps what it has, tried again every {Every}")]
    public static partial void CredentialsRefreshFailed(ILogger logger, string reason, TimeSpan every);
}
