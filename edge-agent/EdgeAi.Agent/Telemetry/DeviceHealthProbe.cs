using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using EdgeAi.Common.Sync;

namespace EdgeAi.Agent.Telemetry;

/// <summary>
/// Reads the device's health: whole-machine CPU and memory from /proc on Linux (process figures
/// elsewhere), disk space of the data directory's volume, uptime since boot.
/// </summary>
internal sealed class DeviceHealthProbe
{
    private readonly string _dataDirectory;
    private readonly string _version;
    private (long Busy, long Total)? _lastCpu;
    private (TimeSpan Cpu, long At)? _lastProcess;

    public DeviceHealthProbe(string dataDirectory, string version)
    {
        _dataDirectory = dataDirectory;
        _version = version;
    }

    /// <summary>CPU share is measured since the previous call (the first call reports 0).</summary>
    public DeviceHealth Read(IEnumerable<string> executionProviders)
    {
        var health = new DeviceHealth
        {
            CpuPercent = CpuPercent(),
            ProcessRssBytes = Environment.WorkingSet,
            UptimeSeconds = Environment.TickCount64 / 1000,
            AgentVersion = _version,
            Os = RuntimeInformation.OSDescription + " " + RuntimeInformation.OSArchitecture,
        };
        (health.MemoryTotalBytes, health.MemoryAvailableBytes) = Memory();
        try
        {
            var drive = new DriveInfo(Path.GetPathRoot(Path.GetFullPath(_dataDirectory))!);
            health.DiskTotalBytes = drive.TotalSize;
            health.DiskFreeBytes = drive.AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Unknown disk: report zeros rather than no telemetry.
        }
        health.ExecutionProviders.Add(executionProviders.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        return health;
    }

    private double CpuPercent()
    {
        if (OperatingSystem.IsLinux() && ReadProcStat() is { } now)
        {
            var last = _lastCpu;
            _lastCpu = now;
            return last is { } l && now.Total > l.Total ? 100.0 * (now.Busy - l.Busy) / (now.Total - l.Total) : 0;
        }
        // Elsewhere: this process's share of all cores.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var at = Stopwatch.GetTimestamp();
        var previous = _lastProcess;
        _lastProcess = (cpu, at);
        if (previous is not { } p)
        {
            return 0;
        }
        var wall = Stopwatch.GetElapsedTime(p.At, at).TotalMilliseconds * Environment.ProcessorCount;
        return wall > 0 ? Math.Clamp(100.0 * (cpu - p.Cpu).TotalMilliseconds / wall, 0, 100) : 0;
    }

    private static (long Busy, long Total)? ReadProcStat()
    {
        try
        {
            // "cpu  user nice system idle iowait irq softirq steal ..." in clock ticks.
            var line = File.ReadLines("/proc/stat").First();
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var idle = fields[3] + fields[4];
            var total = fields.Sum();
            return (total - idle, total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static (long Total, long Available) Memory()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                long total = 0, available = 0;
                foreach (var line in File.ReadLines("/proc/meminfo"))
                {
                    if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                    {
                        total = Kilobytes(line);
                    }
                    else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    {
                        available = Kilobytes(line);
                    }
                }
                if (total > 0)
                {
                    return (total, available);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // Fall through to what the runtime knows.
            }
        }
        var gc = GC.GetGCMemoryInfo();
        return (gc.TotalAvailableMemoryBytes, Math.Max(0, gc.TotalAvailableMemoryBytes - gc.MemoryLoadBytes));
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
