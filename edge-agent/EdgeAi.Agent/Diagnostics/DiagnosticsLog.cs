namespace EdgeAi.Agent.Diagnostics;

/// <summary>Log messages of the running agent's checks; event ids 3700-3799.</summary>
internal static partial class DiagnosticsLog
{
    [LoggerMessage(3700, LogLevel.Information, "Checks ran: {Ok} OK, {Warn} WARN, {Fail} FAIL (skipped in the running agent: {Skipped})")]
    public static partial void ChecksRan(ILogger logger, int ok, int warn, int fail, string skipped);

    [LoggerMessage(3701, LogLevel.Warning, "Check {Id}: {Status} {Message}")]
    public static partial void CheckNotOk(ILogger logger, string id, string status, string message);
}
