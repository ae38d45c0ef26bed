using System.Globalization;
using System.Text;

namespace EdgeAi.Hub.Deployments;

internal enum GateVerdict
{
    /// <summary>Not decided yet: keep waiting (the timeout has not run out).</summary>
    Wait,

    /// <summary>Healthy enough: on to the next wave.</summary>
    Pass,

    /// <summary>Cannot pass (too many failed) or the timeout ran out: halt and roll back.</summary>
    Fail,
}

/// <summary>One device under the gate: its target state and what it last said.</summary>
internal sealed record GateDevice(string DeviceId, string State, string? Message);

/// <summary>Failed and total requests of the new version across the gated devices' latest telemetry.</summary>
internal readonly record struct ErrorCounts(long Errors, long Requests)
{
    public double? Rate => Requests > 0 ? (double)Errors / Requests : null;
}

internal sealed record GateResult(GateVerdict Verdict, string Summary);

/// <summary>
/// The health gate between waves, as a pure function of what the devices reported and how long the
/// wave has had: it passes once the healthy share and the error rate are good, fails as soon as too
/// many devices failed for the share ever to be reached, and otherwise fails when the timeout runs out.
/// </summary>
internal static class HealthGate
{
    public static GateResult Decide(
        IReadOnlyList<GateDevice> devices, double minHealthyShare, double maxErrorRate, ErrorCounts? errors, TimeSpan elapsed, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var total = devices.Count;
        if (total == 0)
        {
            return new(GateVerdict.Pass, "no devices to wait for");
        }
        var required = RequiredHealthy(total, minHealthyShare);
        var healthy = devices.Count(d => d.State == TargetStates.Active);
        var failed = devices.Where(d => d.State == TargetStates.Failed).ToList();
        var counts = $"{healthy} of {total} healthy (needs {required}), {failed.Count} failed";
        if (failed.Count > total - required)
        {
            return new(GateVerdict.Fail, $"{counts}: {Describe(failed)}");
        }
        var rate = errors?.Rate;
        if (healthy >= required)
        {
            if (rate is null || rate <= maxErrorRate)
            {
                return new(GateVerdict.Pass, rate is null ? counts : $"{counts}, error rate {Percent(rate.Value)}");
            }
            var tooMany = $"error rate {Percent(rate.Value)} ({errors!.Value.Errors} of {errors.Value.Requests} requests) is above {Percent(maxErrorRate)}";
            return elapsed >= timeout
                ? new(GateVerdict.Fail, $"timed out after {timeout}: {counts}, {tooMany}")
                : new(GateVerdict.Wait, $"{counts}, {tooMany}");
        }
        if (elapsed >= timeout)
        {
            var late = devices.Where(d => d.State != TargetStates.Active).ToList();
            return new(GateVerdict.Fail, $"timed out after {timeout}: {counts}; not healthy: {Describe(late)}");
        }
        return new(GateVerdict.Wait, counts);
    }

    /// <summary>Devices that must be healthy: ceil(share × total), at least 1.</summary>
    public static int RequiredHealthy(int total, double minHealthyShare) =>
        Math.Clamp((int)Math.Ceiling((minHealthyShare * total) - 1e-9), 1, Math.Max(total, 1));

    /// <summary>Gate time of the current wave: what was spent before plus the running stint (none while paused).</summary>
    public static TimeSpan Elapsed(long elapsedMs, long? startedAtMs, long nowMs) =>
        TimeSpan.FromMilliseconds(elapsedMs + (startedAtMs is { } started ? Math.Max(0, nowMs - started) : 0));

    private static string Describe(List<GateDevice> devices)
    {
        var text = new StringBuilder();
        foreach (var device in devices.Take(10))
        {
            text.Append(text.Length == 0 ? "" : "; ").Append(device.DeviceId).Append(' ').Append(device.State);
            if (!string.IsNullOrEmpty(device.Message))
            {
                text.Append(" (").Append(device.Message).Append(')');
            }
        }
        if (devices.Count > 10)
        {
            text.Append(CultureInfo.InvariantCulture, $"; and {devices.Count - 10} more");
        }
        return text.ToString();
    }

    private static string Percent(double share) => (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
