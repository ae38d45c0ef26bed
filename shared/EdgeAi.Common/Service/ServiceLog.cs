using Microsoft.Extensions.Logging;

namespace EdgeAi.Common.Service;

/// <summary>Service-manager log messages; event ids 1700-1719.</summary>
internal static partial class ServiceLog
{
    [LoggerMessage(1700, LogLevel.Information, "systemd watchdog on: WATCHDOG=1 every {Interval} while {Probes} liveness probe(s) pass")]
    public static partial void WatchdogOn(ILogger logger, TimeSpan interval, int probes);

    [LoggerMessage(1701, LogLevel.Warning, "Not live, the systemd watchdog is not fed (systemd restarts the service if this lasts): {Problem}")]
    public static partial void NotLive(ILogger logger, string problem);

    [LoggerMessage(1702, LogLevel.Information, "Live again; feeding the systemd watchdog")]
    public static partial void LiveAgain(ILogger logger);

    [LoggerMessage(1703, LogLevel.Warning, "Cannot send to NOTIFY_SOCKET; the systemd watchdog is no longer fed")]
    public static partial void NotifyFailed(ILogger logger, Exception exception);
}
