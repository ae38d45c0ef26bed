using System.Collections.Concurrent;

namespace EdgeAi.Hub.Broker;

/// <summary>
/// MQTT traffic the hub refused, per device and reason, on /metrics (through <see cref="Hosting.HubMetrics"/>) as
/// <c>edgeai_hub_mqtt_refused_total{device,reason}</c> (device "" before a connection logged in).
/// Logged at most once per device and reason per <see cref="LogInterval"/>, with how many went unlogged,
/// so a device that keeps sending oversized packets cannot flood the log.
/// </summary>
internal sealed class MqttRefusals(TimeProvider time, ILogger<MqttRefusals> logger)
{
    public const string PacketTooLarge = "packet_too_large";

    public static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<(string Device, string Reason), Entry> _entries = new();

    /// <summary>Counts one refusal of a packet of <paramref name="bytes"/> over <paramref name="limit"/>, and logs it unless this device's last log line is recent.</summary>
    public void PacketRefused(string? deviceId, string remote, long bytes, int limit)
    {
        var entry = _entries.GetOrAdd((deviceId ?? "", PacketTooLarge), _ => new Entry());
        Interlocked.Increment(ref entry.Count);
        var now = time.GetTimestamp();
        lock (entry)
        {
            if (entry.LoggedAt is { } last && time.GetElapsedTime(last, now) < LogInterval)
            {
                entry.Unlogged++;
                return;
            }
            Log.PacketTooLarge(logger, string.IsNullOrEmpty(deviceId) ? "a client not logged in" : deviceId, remote, bytes, limit, entry.Unlogged, LogInterval);
            entry.LoggedAt = now;
            entry.Unlogged = 0;
        }
    }

    /// <summary>Every device and reason counted so far.</summary>
    public IReadOnlyList<(string Device, string Reason, long Count)> Counts =>
        [.. _entries.Select(e => (e.Key.Device, e.Key.Reason, Interlocked.Read(ref e.Value.Count)))];

    public long Count(string deviceId, string reason) => _entries.TryGetValue((deviceId, reason), out var entry) ? Interlocked.Read(ref entry.Count) : 0;

    private sealed class Entry
    {
        public long Count;

        public long? LoggedAt;

        public long Unlogged;
    }
}
