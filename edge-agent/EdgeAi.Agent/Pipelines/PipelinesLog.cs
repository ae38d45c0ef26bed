namespace EdgeAi.Agent.Pipelines;

/// <summary>Pipeline log messages; event ids 3200-3299.</summary>
internal static partial class PipelinesLog
{
    [LoggerMessage(3200, LogLevel.Information, "Pipeline {Pipeline} → model {Model}: {State}{Reason}")]
    public static partial void State(ILogger logger, string pipeline, string model, string state, string reason);

    [LoggerMessage(3201, LogLevel.Warning, "{Reason}; the pipeline is not served until its settings or its model change")]
    public static partial void Misfit(ILogger logger, string reason);
}
