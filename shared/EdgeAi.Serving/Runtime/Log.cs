using Microsoft.Extensions.Logging;

namespace EdgeAi.Serving.Runtime;

/// <summary>Model host log messages; event ids 1000-1099.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Execution provider {Provider} skipped for model {Model}: {Reason}")]
    public static partial void ProviderSkipped(ILogger logger, string provider, string model, string reason);

    [LoggerMessage(1001, LogLevel.Information, "Model {Model} version {Version} ready on {Provider} in {ElapsedMs} ms")]
    public static partial void ModelReady(ILogger logger, string model, string version, string provider, long elapsedMs);

    [LoggerMessage(1002, LogLevel.Error, "Model {Model} version {Version} failed to load: {Reason}")]
    public static partial void ModelFailed(ILogger logger, string model, string version, string reason);

    [LoggerMessage(1003, LogLevel.Information, "Model {Model} version {Version} unloaded")]
    public static partial void ModelUnloaded(ILogger logger, string model, string version);

    [LoggerMessage(1005, LogLevel.Information, "Models loaded: {Ready} of {Total} ready")]
    public static partial void ModelsLoaded(ILogger logger, int ready, int total);

    [LoggerMessage(1006, LogLevel.Information, "Model {Model} version {Version} is now active")]
    public static partial void ModelActivated(ILogger logger, string model, string version);

    [LoggerMessage(1004, LogLevel.Warning, "Model {Model} version {Version} inference failed: {Reason}")]
    public static partial void InferenceFailed(ILogger logger, string model, string version, string reason);

    [LoggerMessage(1007, LogLevel.Information, "Model {Model} unloaded by request; rescans leave it unloaded until a load request, a fleet activation or a restart")]
    public static partial void UnloadedByRequest(ILogger logger, string model);
}
