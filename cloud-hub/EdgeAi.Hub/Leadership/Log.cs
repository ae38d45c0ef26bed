namespace EdgeAi.Hub.Leadership;

/// <summary>Leader lease log messages; event ids 3600-3619.</summary>
internal static partial class Log
{
    [LoggerMessage(3600, LogLevel.Information, "Leader lease acquired by {Holder}, epoch {Epoch} (duration {Duration}): this replica runs the rollout controller and the desired-state publisher")]
    public static partial void Acquired(ILogger logger, string holder, long epoch, TimeSpan duration);

    [LoggerMessage(3601, LogLevel.Warning, "Leader lease epoch {Epoch} lost by {Holder}: {Reason}; its leader work stops")]
    public static partial void Lost(ILogger logger, string holder, long epoch, string reason);

    [LoggerMessage(3602, LogLevel.Information, "Leader lease epoch {Epoch} released by {Holder} (stopping)")]
    public static partial void Released(ILogger logger, string holder, long epoch);

    [LoggerMessage(3603, LogLevel.Warning, "Could not ask for the leader lease as {Holder}: {Reason}; asking again every {Every}")]
    public static partial void AcquireFailed(ILogger logger, string holder, string reason, TimeSpan every);

    [LoggerMessage(3604, LogLevel.Warning, "Could not release leader lease epoch {Epoch}: {Reason}; it lapses by itself")]
    public static partial void ReleaseFailed(ILogger logger, long epoch, string reason);
}
