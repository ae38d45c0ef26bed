using System.Text;
using EdgeAi.Hub.Hosting;

namespace EdgeAi.Hub.Registry;

/// <summary>Model downloads since start; served as Prometheus text at /metrics.</summary>
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

    public string ToPrometheus()
    {
        var text = new StringBuilder();
        PrometheusText.Counter(text, "edgeai_hub_model_downloads_started_total", "DownloadModel streams started.", Started);
        PrometheusText.Counter(text, "edgeai_hub_model_downloads_resumed_total", "DownloadModel streams started from an offset > 0 (a resumed download).", Resumed);
        PrometheusText.Counter(text, "edgeai_hub_model_download_bytes_sent_total", "Artifact bytes sent to devices.", BytesSent);
        return text.ToString();
    }
}
