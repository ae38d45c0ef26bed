using System.Text;
using EdgeAi.Hub.Hosting;

namespace EdgeAi.Hub.Ingest;

/// <summary>What ingest has done since start; served as Prometheus text at /metrics.</summary>
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

    public string ToPrometheus()
    {
        var text = new StringBuilder();
        PrometheusText.Counter(text, "edgeai_hub_ingest_records_stored_total", "Records stored from devices.", RecordsStored);
        PrometheusText.Counter(text, "edgeai_hub_ingest_duplicates_ignored_total", "Records received again and ignored (already stored).", DuplicatesIgnored);
        PrometheusText.Counter(text, "edgeai_hub_ingest_batches_total", "Record batches and status messages committed.", Batches);
        PrometheusText.Counter(text, "edgeai_hub_ingest_commits_total", "Store transactions (one commits many batches).", Interlocked.Read(ref _commits));
        PrometheusText.Counter(text, "edgeai_hub_ingest_failures_total", "Batches the store failed to commit (the sender retries).", Failures);
        PrometheusText.Counter(text, "edgeai_hub_ingest_invalid_total", "Messages refused as malformed.", Invalid);
        return text.ToString();
    }
}
