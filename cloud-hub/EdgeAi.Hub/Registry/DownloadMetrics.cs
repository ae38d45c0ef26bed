namespace EdgeAi.Hub.Registry;

/// <summary>Model downloads since start; <see cref="Hosting.HubMetrics"/> puts them on /metrics.</summary>
internal sealed class DownloadMetrics
{
    private long _started;
    private long _resumed;
    private long _bytesSent;

    public long Started => Interlocked.Read(ref _started);

    public long Resumed => Interlocked.Read(ref _resumed);

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public void Start(long offset)
    {
        Interlocked.Increment(ref _started);
        if (offset > 0)
        {
            Interlocked.Increment(ref _resumed);
        }
    }

    public void Sent(int bytes) => Interlocked.Add(ref _bytesSent, bytes);
}
