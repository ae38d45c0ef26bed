using System.Text;
using EdgeAi.Hub.Hosting;

namespace EdgeAi.Hub.Batching;

/// <summary>Counters that show batching at work; served as Prometheus text at /metrics.</summary>
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

    public string ToPrometheus()
    {
        var text = new StringBuilder();
        PrometheusText.Counter(text, "edgeai_hub_batches_total", "Batches run by dynamic batching.", Batches);
        PrometheusText.Counter(text, "edgeai_hub_batched_requests_total", "Requests served inside a batch.", BatchedRequests);
        PrometheusText.Counter(text, "edgeai_hub_batched_rows_total", "Rows (batch-dimension entries) served inside a batch.", Interlocked.Read(ref _batchedRows));
        PrometheusText.Counter(text, "edgeai_hub_unbatched_requests_total", "Requests run on their own (batching off or not applicable).", Interlocked.Read(ref _unbatchedRequests));
        PrometheusText.Counter(text, "edgeai_hub_deadline_expired_total", "Requests failed with DEADLINE_EXCEEDED before running.", DeadlineExpired);
        PrometheusText.Gauge(text, "edgeai_hub_largest_batch_requests", "Largest number of requests merged into one batch.", LargestBatch);
        return text.ToString();
    }
}
