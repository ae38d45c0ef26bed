namespace EdgeAi.Agent.Support;

/// <summary>Support bundle log messages; event ids 3700-3749.</summary>
internal static partial class SupportLog
{
    [LoggerMessage(3700, LogLevel.Information, "Support bundle {RequestId} requested by the hub: building it")]
    public static partial void Requested(ILogger logger, string requestId);

    [LoggerMessage(3701, LogLevel.Information, "Support bundle {RequestId} uploaded ({Bytes} bytes, sha256 {Sha256})")]
    public static partial void Uploaded(ILogger logger, string requestId, long bytes, string sha256);

    [LoggerMessage(3702, LogLevel.Warning, "Support bundle {RequestId} upload failed (attempt {Attempt}), retrying in {Delay}: {Reason}")]
    public static partial void UploadRetry(ILogger logger, string requestId, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(3703, LogLevel.Warning, "Support bundle {RequestId} not delivered: {Reason}")]
    public static partial void Failed(ILogger logger, string requestId, string reason);
}
