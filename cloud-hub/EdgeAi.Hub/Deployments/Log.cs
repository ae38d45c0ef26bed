namespace EdgeAi.Hub.Deployments;

/// <summary>Rollout controller and desired-state log messages; event ids 3550-3599.</summary>
internal static partial class Log
{
    [LoggerMessage(3550, LogLevel.Information, "{Actor}: {Action} {Target}: {Detail}")]
    public static partial void Step(ILogger logger, string actor, string action, string target, string detail);

    [LoggerMessage(3551, LogLevel.Debug, "Published desired state revision {Revision} to {DeviceId} ({Models} models, {ConfigKeys} config keys)")]
    public static partial void DesiredPublished(ILogger logger, string deviceId, long revision, int models, int configKeys);

    [LoggerMessage(3552, LogLevel.Warning, "Could not publish desired state revision {Revision} to {DeviceId} (broker not reachable); {Unsent} devices wait, retried every tick")]
    public static partial void DesiredUnsent(ILogger logger, string deviceId, long revision, int unsent);

    [LoggerMessage(3553, LogLevel.Warning, "Ignored deployment status record {RecordId} from {DeviceId}: {Reason}")]
    public static partial void BadStatus(ILogger logger, string deviceId, long recordId, string reason);

    [LoggerMessage(3554, LogLevel.Error, "Rollout controller tick failed; retrying on the next one")]
    public static partial void TickFailed(ILogger logger, Exception exception);
}
