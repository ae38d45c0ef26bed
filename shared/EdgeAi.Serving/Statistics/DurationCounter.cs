using EdgeAi.Common.Inference;

namespace EdgeAi.Serving.Statistics;

/// <summary>
/// A count and a cumulative duration, added to from any thread without a lock. The two fields are read
/// apart, so a snapshot taken while a request is being recorded may count it before its time is in: the
/// protocol's figures are sampled cumulative values, and the next snapshot is whole again.
/// </summary>
internal sealed class DurationCounter
{
    private long _count;
    private long _ticks;

    public void Add(long ticks)
    {
        Interlocked.Add(ref _ticks, Math.Max(ticks, 0));
        Interlocked.Increment(ref _count);
    }

    public long Count => Volatile.Read(ref _count);

    public StatisticDuration ToProto(long ticksPerSecond) => new()
    {
        Count = (ulong)Volatile.Read(ref _count),
        Ns = Nanoseconds(Volatile.Read(ref _ticks), ticksPerSecond),
    };

    /// <summary>Timestamp ticks as nanoseconds; on Linux and Windows' high-resolution clock a tick is a nanosecond or 100, so no precision is lost.</summary>
    internal static ulong Nanoseconds(long ticks, long ticksPerSecond) =>
        ticksPerSecond == 1_000_000_000 ? (ulong)ticks : (ulong)(ticks * (1_000_000_000.0 / ticksPerSecond));
}
