namespace EdgeAi.Agent.Fleet;

/// <summary>Reconciler log messages; event ids 2300-2399.</summary>
internal static partial class FleetLog
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
}
