namespace EdgeAi.Common.Diagnostics;

/// <summary>How a check came out: OK, WARN (works, but look at it) or FAIL (it will not work).</summary>
public enum CheckStatus
{
    Ok,
    Warn,
    Fail,
}

/// <summary>
/// One line of <c>check</c>: a stable id (for <c>--json</c> and scripts), what was found, and for WARN
/// and FAIL the fix: the exact key to set or command to run.
/// </summary>
public sealed record CheckResult(string Id, CheckStatus Status, string Message, string? Fix = null)
{
    public static CheckResult Ok(string id, string message) => new(id, CheckStatus.Ok, message);

    public static CheckResult Warn(string id, string message, string fix) => new(id, CheckStatus.Warn, message, fix);

    public static CheckResult Fail(string id, string message, string fix) => new(id, CheckStatus.Fail, message, fix);
}

/// <summary>One check: quick, bounded by its own timeout, and never throwing for what it finds.</summary>
public interface IDiagnosticCheck
{
    /// <summary>One result, or several where the check covers several things (one per installed model).</summary>
    Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken);
}
