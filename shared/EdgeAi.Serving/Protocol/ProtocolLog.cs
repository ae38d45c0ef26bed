using Microsoft.Extensions.Logging;

namespace EdgeAi.Serving.Protocol;

/// <summary>Protocol endpoint log messages; event ids 1100-1199.</summary>
internal static partial class ProtocolLog
{
    [LoggerMessage(1100, LogLevel.Error, "Unexpected error while serving an inference call")]
    public static partial void UnexpectedError(ILogger logger, Exception exception);
}
