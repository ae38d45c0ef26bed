namespace EdgeAi.Agent.Uplink;

/// <summary>What the uplink has done, for /metrics and tests.</summary>
internal sealed class UplinkState
{
    private long _recordsSent;
    private long _batchesSent;
    private long _failures;
    private int _connected;

    public bool Connected => Volatile.Read(ref _connected) == 1;

    public long RecordsSent => Interlocked.Read(ref _recordsSent);

    public long BatchesSent => Interlocked.Read(ref _batchesSent);

    public long Failures => Interlocked.Read(ref _failures);

    public long Connections { get; private set; }

    internal void SetConnected(bool connected)
    {
        if (connected && Interlocked.Exchange(ref _connected, 1) == 0)
        {
            Connections++;
        }
        else if (!connected)
        {
            Volatile.Write(ref _connected, 0);
        }
    }

    internal void Sent(int records)
    {
        Interlocked.Add(ref _recordsSent, records);
        Interlocked.Increment(ref _batchesSent);
    }

    internal void Failed() => Interlocked.Increment(ref _failures);
}
