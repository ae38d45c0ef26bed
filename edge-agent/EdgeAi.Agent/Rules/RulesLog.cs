namespace EdgeAi.Agent.Rules;

/// <summary>Rules log messages; event ids 3100-3199.</summary>
internal static partial class RulesLog
{
    [LoggerMessage(3100, LogLevel.Information, "Rules in effect: {On} on, {Off} off ({Source})")]
    public static partial void Applied(ILogger logger, int on, int off, string source);

    [LoggerMessage(3101, LogLevel.Warning, "Rule {Rule} is off: {Reason}")]
    public static partial void RuleOff(ILogger logger, string rule, string reason);

    [LoggerMessage(3102, LogLevel.Warning, "Rule {Rule}: target '{Target}' is not served here (yet); the rule fails at its target stage until it is: {Reason}")]
    public static partial void TargetUnknown(ILogger logger, string rule, string target, string reason);

    [LoggerMessage(3103, LogLevel.Warning, "Rule {Rule} failed at its {Stage} stage: {Reason} ({Suppressed} more such failures in the last minute not logged)")]
    public static partial void Failed(ILogger logger, string rule, string stage, string reason, long suppressed);

    [LoggerMessage(3104, LogLevel.Warning, "Rule {Rule}: the directory {Directory} does not exist; watching for it to appear")]
    public static partial void DirectoryMissing(ILogger logger, string rule, string directory);

    [LoggerMessage(3105, LogLevel.Warning, "Rule {Rule}: the file watcher on {Directory} lost events: {Reason}")]
    public static partial void WatcherError(ILogger logger, string rule, string directory, string reason);

    [LoggerMessage(3106, LogLevel.Warning, "Rules from the configuration were not applied; the previous rules stay in effect: {Reason}")]
    public static partial void NotApplied(ILogger logger, string reason);

    [LoggerMessage(3108, LogLevel.Error, "Rule {Rule} failed unexpectedly")]
    public static partial void Unexpected(ILogger logger, Exception exception, string rule);

    [LoggerMessage(3107, LogLevel.Information, "Rule {Rule} fired by the hub (command {CommandId})")]
    public static partial void CommandFire(ILogger logger, string rule, string commandId);
}
