namespace EdgeAi.Hub.Leadership;

/// <summary>
/// The holder's side of a lease, on this process's monotonic clock. The store's expiry is on the
/// database's clock, which this replica never compares with its own: it counts its holding from when
/// it <em>asked</em> for it, so it always believes the holding ends before the store says it does,
/// and it stops a margin earlier still, for clocks that do not run at quite the same rate.
/// </summary>
internal sealed class LeaseClock(TimeProvider time, TimeSpan duration)
{
    private long? _askedAt;

    public TimeSpan Duration => duration;

    /// <summary>How often a holder renews (and a follower asks): a third of the duration, so one failed renewal still leaves time for the next.</summary>
    public TimeSpan RenewEvery => duration / 3;

    /// <summary>How much earlier than the duration says a holder stops trusting its holding.</summary>
    public TimeSpan Margin => duration / 10;

    /// <summary>The epoch of the holding this replica has, or null.</summary>
    public long? Epoch { get; private set; }

    /// <summary>True while a holding is safe to act on.</summary>
    public bool Holds => Epoch is not null && Remaining > TimeSpan.Zero;

    /// <summary>How long the holding stays safe to act on without a renewal; zero when there is none.</summary>
    public TimeSpan Remaining =>
        _askedAt is { } asked ? Max(TimeSpan.Zero, duration - Margin - time.GetElapsedTime(asked)) : TimeSpan.Zero;

    /// <summary>How long until the next renewal is due; zero when due now (or nothing is held).</summary>
    public TimeSpan UntilRenewal =>
        _askedAt is { } asked ? Max(TimeSpan.Zero, RenewEvery - time.GetElapsedTime(asked)) : TimeSpan.Zero;

    /// <summary>The moment a request to the store is sent, for <see cref="Granted"/> and <see cref="Renewed"/>.</summary>
    public long Asking() => time.GetTimestamp();

    /// <summary>The store granted a holding asked for at <paramref name="askedAt"/>.</summary>
    public void Granted(long epoch, long askedAt)
    {
        Epoch = epoch;
        _askedAt = askedAt;
    }

    /// <summary>
    /// The answer to a renewal asked at <paramref name="askedAt"/>: true when the holding goes on. A
    /// refusal, or a grant that arrives after the previous holding stopped being safe (late: another
    /// replica may already act), ends it.
    /// </summary>
    public bool Renewed(bool granted, long askedAt)
    {
        if (!granted || !Holds)
        {
            Lost();
            return false;
        }
        _askedAt = askedAt;
        return true;
    }

    public void Lost()
    {
        Epoch = null;
        _askedAt = null;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
