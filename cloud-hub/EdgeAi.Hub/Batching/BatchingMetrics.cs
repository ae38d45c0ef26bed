namespace EdgeAi.Hub.Batching;

/// <summary>Counters that show batching at work; <see cref="Hosting.HubMetrics"/> puts them on /metrics.</summary>
internal sealed class BatchingMetrics
{
    private long _batches;
    private long _batchedRequests;
    private long _batchedRows;
    private long _unbatchedRequests;
    private long _deadlineExpired;
    private long _largestBatch;

    public long Batches => Interlocked.Read(ref _batches);

    public long BatchedRequests => Interlocked.Read(ref _batchedRequests);

    public long BatchedRows => Interlocked.Read(ref _batchedRows);

    public long UnbatchedRequests => Interlocked.Read(ref _unbatchedRequests);

    public long LargestBatch => Interlocked.Read(ref _largestBatch);

    public long DeadlineExpired => Interlocked.Read(ref _deadlineExpired);

    public void BatchRun(int requests, int rows)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _batchedRequests, requests);
        Interlocked.Add(ref _batchedRows, rows);
        long seen;
        while (requests > (seen = Interlocked.Read(ref _largestBatch)) && Interlocked.CompareExchange(ref _largestBatch, requests, seen) != seen)
        {
        }
    }

    public void Unbatched() => Interlocked.Increment(ref _unbatchedRequests);

    public void Expired() => Interlocked.Increment(ref _deadlineExpired);
}
