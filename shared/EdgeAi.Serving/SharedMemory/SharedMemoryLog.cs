using Microsoft.Extensions.Logging;

namespace EdgeAi.Serving.SharedMemory;

/// <summary>System shared memory log messages; event ids 1540-1559.</summary>
internal static partial class SharedMemoryLog
{
    [LoggerMessage(1540, LogLevel.Information, "Registered system shared memory region '{Name}': {Path} bytes {Offset} to {End} ({Access})")]
    public static partial void Registered(ILogger logger, string name, string path, long offset, long end, string access);

    [LoggerMessage(1541, LogLevel.Information, "Unregistered system shared memory region '{Name}'{Deferred}")]
    public static partial void Unregistered(ILogger logger, string name, string deferred);
}
