using System.Diagnostics.Metrics;
using EdgeAi.Hub.Batching;
using EdgeAi.Hub.Broker;
using EdgeAi.Hub.Ingest;
using EdgeAi.Hub.Registry;
using EdgeAi.Serving.Hosting;

namespace EdgeAi.Hub.Hosting;

/// <summary>
/// The hub's components on /metrics: one meter per area whose observable instruments read the components'
/// counters (totals since start) at each scrape, and the supervised loops' restarts.
/// </summary>
internal sealed class HubMetrics
{
    public HubMetrics(IMeterFactory meters, BatchingMetrics batching, IngestMetrics ingest, MqttRefusals refusals, DownloadMetrics downloads, LoopSupervisor loops)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var b = meters.Create("EdgeAi.Hub.Batching");
        b.CreateObservableCounter("edgeai_hub_batches", () => batching.Batches, "{batch}", "Batches run by dynamic batching.");
        b.CreateObservableCounter("edgeai_hub_batched_requests", () => batching.BatchedRequests, "{request}", "Requests served inside a batch.");
        b.CreateObservableCounter("edgeai_hub_batched_rows", () => batching.BatchedRows, "{row}", "Rows (batch-dimension entries) served inside a batch.");
        b.CreateObservableCounter("edgeai_hub_unbatched_requests", () => batching.UnbatchedRequests, "{request}", "Requests run on their own (batching off or not applicable).");
        b.CreateObservableCounter("edgeai_hub_deadline_expired", () => batching.DeadlineExpired, "{request}", "Requests failed with DEADLINE_EXCEEDED before running.");
        b.CreateObservableGauge("edgeai_hub_largest_batch_requests", () => batching.LargestBatch, "{request}", "Largest number of requests merged into one batch.");

        var i = meters.Create("EdgeAi.Hub.Ingest");
        i.CreateObservableCounter("edgeai_hub_ingest_records_stored", () => ingest.RecordsStored, "{record}", "Records stored from devices.");
        i.CreateObservableCounter("edgeai_hub_ingest_duplicates_ignored", () => ingest.DuplicatesIgnored, "{record}", "Records received again and ignored (already stored).");
        i.CreateObservableCounter("edgeai_hub_ingest_batches", () => ingest.Batches, "{batch}", "Record batches and status messages committed.");
        i.CreateObservableCounter("edgeai_hub_ingest_commits", () => ingest.Commits, "{commit}", "Store transactions (one commits many batches).");
        i.CreateObservableCounter("edgeai_hub_ingest_failures", () => ingest.Failures, "{batch}", "Batches the store failed to commit (the sender retries).");
        i.CreateObservableCounter("edgeai_hub_ingest_invalid", () => ingest.Invalid, "{message}", "Messages refused as malformed.");

        meters.Create("EdgeAi.Hub.Broker").CreateObservableCounter("edgeai_hub_mqtt_refused",
            () => refusals.Counts.Select(r => new Measurement<long>(r.Count, new KeyValuePair<string, object?>("device", r.Device), new KeyValuePair<string, object?>("reason", r.Reason))),
            "{packet}", "MQTT packets the hub refused, by device (empty before the connection logged in) and reason.");

        var d = meters.Create("EdgeAi.Hub.Registry");
        d.CreateObservableCounter("edgeai_hub_model_downloads_started", () => downloads.Started, "{download}", "DownloadModel streams started.");
        d.CreateObservableCounter("edgeai_hub_model_downloads_resumed", () => downloads.Resumed, "{download}", "DownloadModel streams started from an offset > 0 (a resumed download).");
        d.CreateObservableCounter("edgeai_hub_model_download_sent", () => downloads.BytesSent, "By", "Artifact bytes sent to devices.");

        meters.Create("EdgeAi.Hub.Host").CreateObservableCounter("edgeai_hub_loop_restarts",
            () => loops.Restarts.Select(r => new Measurement<long>(r.Value, new KeyValuePair<string, object?>("loop", r.Key))),
            "{restart}", "Times a background loop failed and was restarted, by loop.");
    }
}
