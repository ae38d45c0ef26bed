using System.Globalization;

namespace EdgeAi.Common.Service;

/// <summary>
/// systemd's watchdog request: WATCHDOG_USEC (the unit's WatchdogSec in microseconds) for the process WATCHDOG_PID
/// names, or for the main process when that is absent. A child that inherited the variables is not asked.
/// </summary>
public static class WatchdogSettings
{
    /// <summary>How often to send WATCHDOG=1 (half the timeout, as sd_watchdog_enabled(3) advises); null when no watchdog is asked of this process.</summary>
    public static TimeSpan? PingInterval(Func<string, string?> environment, int processId)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!long.TryParse(environment("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds) || microseconds <= 0)
        {
            return null;
        }
        if (environment("WATCHDOG_PID") is { Length: > 0 } pid
            && (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var owner) || owner != processId))
        {
            return null;
        }
        return TimeSpan.FromMicroseconds(microseconds / 2.0);
    }

    public static TimeSpan? PingInterval() => PingInterval(Environment.GetEnvironmentVariable, Environment.ProcessId);
}
