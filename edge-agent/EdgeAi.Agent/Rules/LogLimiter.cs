using System.Collections.Concurrent;

namespace EdgeAi.Agent.Rules;

/// <summary>
/// At most one report per key per interval, on an injected clock: a rule failing on every trigger (a camera
/// unplugged, a webhook down) is logged and reported once a minute with the count of what was left out,
/// instead of flooding the log and the outbox.
/// </summary>
internal sealed class LogLimiter(TimeProvider time, TimeSpan interval)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>True when this occurrence should be reported; <paramref name="suppressed"/> is how many were not since the last one that was.</summary>
    public bool ShouldReport(string key, out long suppressed)
    {
        var now = time.GetTimestamp();
        var entry = _entries.GetOrAdd(key, _ => new Entry());
        lock (entry)
        {
            if (entry.Last is { } last && time.GetElapsedTime(last, now) < interval)
            {
                entry.Suppressed++;
                suppressed = 0;
                return false;
            }
            entry.Last = now;
            suppressed = entry.Suppressed;
            entry.Suppressed = 0;
            return true;
        }
    }

    private sealed class Entry
    {
        public long? Last { get; set; }

        public long Suppressed { get; set; }
    }
}
