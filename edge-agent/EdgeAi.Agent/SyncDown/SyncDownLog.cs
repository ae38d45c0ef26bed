namespace EdgeAi.Agent.SyncDown;

/// <summary>Sync-down log messages; event ids 2300-2399, 2204-2206 for the desired-state subscriber (kept from when it was part of the uplink) and 2601 for the reported state (from when telemetry sent it).</summary>
internal static partial class SyncDownLog
{
    [LoggerMessage(2300, LogLevel.Information, "Model {Model} version {Version}: {State} (desired revision {Revision}) {Message}")]
    public static partial void Status(ILogger logger, string model, string version, string state, long revision, string message);

    [LoggerMessage(2301, LogLevel.Information, "Desired revision {Revision}: {Steps} steps planned")]
    public static partial void Planned(ILogger logger, long revision, int steps);

    [LoggerMessage(2302, LogLevel.Warning, "Download of {Model} version {Version} interrupted at {Bytes} bytes (attempt {Attempt}), retrying in {Delay}: {Reason}")]
    public static partial void DownloadInterrupted(ILogger logger, string model, string version, long bytes, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(2303, LogLevel.Information, "Download of {Model} version {Version} resumes at byte {Offset}")]
    public static partial void DownloadResumed(ILogger logger, string model, string version, long offset);

    [LoggerMessage(2304, LogLevel.Warning, "Reconcile of desired revision {Revision} not finished, retrying in {Delay}")]
    public static partial void RetryScheduled(ILogger logger, long revision, TimeSpan delay);

    [LoggerMessage(2305, LogLevel.Error, "Reconcile of desired revision {Revision} failed unexpectedly; retrying later")]
    public static partial void PassCrashed(ILogger logger, Exception exception, long revision);

    [LoggerMessage(2306, LogLevel.Information, "Model {Model} deactivated: no longer desired (version {Version} kept for rollback)")]
    public static partial void Deactivated(ILogger logger, string model, string version);

    [LoggerMessage(2307, LogLevel.Information, "Model {Model}: removed old versions {Versions}")]
    public static partial void Pruned(ILogger logger, string model, string versions);

    [LoggerMessage(2308, LogLevel.Warning, "Artifact signature not checked for {Model} version {Version}: {Reason} (Fleet:RequireSignature is off)")]
    public static partial void SignatureSkipped(ILogger logger, string model, string version, string reason);

    [LoggerMessage(2204, LogLevel.Information, "Desired state revision {Revision} received and stored ({Models} models)")]
    public static partial void DesiredStored(ILogger logger, long revision, int models);

    [LoggerMessage(2205, LogLevel.Warning, "Message on {Topic} ignored: {Reason}")]
    public static partial void MessageIgnored(ILogger logger, string topic, string reason);

    [LoggerMessage(2206, LogLevel.Information, "Command {Name} ({Id}) received; recorded as an event")]
    public static partial void CommandReceived(ILogger logger, string name, string id);

    [LoggerMessage(2601, LogLevel.Warning, "Reported state not stored (tried again next interval): {Reason}")]
    public static partial void ReportedNotStored(ILogger logger, string reason);
}
