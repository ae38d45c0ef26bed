using System.Text;
using EdgeAi.Hub.Batching;
using EdgeAi.Hub.Broker;
using EdgeAi.Hub.Ingest;
using EdgeAi.Hub.Registry;
using EdgeAi.Serving.Hosting;

namespace EdgeAi.Hub.Hosting;

/// <summary>The hub's /metrics page (Prometheus text format): every component's counters since start, and the supervised loops' restarts.</summary>
internal sealed class HubMetrics(BatchingMetrics batching, IngestMetrics ingest, MqttRefusals refusals, DownloadMetrics downloads, LoopSupervisor loops)
{
    public const string ContentType = "text/plain; version=0.0.4";

    public string Render()
    {
        var text = new StringBuilder();
        text.Append(batching.ToPrometheus()).Append(ingest.ToPrometheus()).Append(refusals.ToPrometheus()).Append(downloads.ToPrometheus());
        PrometheusText.Header(text, "edgeai_hub_loop_restarts_total", "counter", "Times a background loop failed and was restarted, by loop.");
        foreach (var (loop, restarts) in loops.Restarts)
        {
            PrometheusText.Sample(text, "edgeai_hub_loop_restarts_total", $"loop=\"{loop}\"", restarts);
        }
        return text.ToString();
    }
}
