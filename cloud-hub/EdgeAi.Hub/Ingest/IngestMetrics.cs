namespace EdgeAi.Hub.Ingest;

/// <summary>What ingest has done since start; <see cref="Hosting.HubMetrics"/> puts them on /metrics.</summary>
internal sealed class IngestMetrics
{
    private long _recordsStored;
    private long _duplicatesIgnored;
    private long _batches;
    private long _commits;
    private long _failures;
    private long _invalid;

    public long RecordsStored => Interlocked.Read(ref _recordsStored);

    public long DuplicatesIgnored => Interlocked.Read(ref _duplicatesIgnored);

    public long Batches => Interlocked.Read(ref _batches);

    public long Commits => Interlocked.Read(ref _commits);

    public long Failures => Interlocked.Read(ref _failures);

    public long Invalid => Interlocked.Read(ref _invalid);

    public void Committed(int batches, long stored, long duplicates)
    {
        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _batches, batches);
        Interlocked.Add(ref _recordsStored, stored);
        Interlocked.Add(ref _duplicatesIgnored, duplicates);
    }

    public void Failed(int batches) => Interlocked.Add(ref _failures, batches);

    public void Rejected() => Interlocked.Increment(ref _invalid);
}
