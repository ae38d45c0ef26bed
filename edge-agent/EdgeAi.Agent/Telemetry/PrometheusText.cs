using System.Globalization;
using System.Text;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Uplink;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Hosting;

namespace EdgeAi.Agent.Telemetry;

/// <summary>Metrics a feature adds to the /metrics page (GPIO, rules), each family with its HELP and TYPE.</summary>
internal interface IMetricsSection
{
    void Render(StringBuilder text);
}

/// <summary>The agent's /metrics page (Prometheus text format): totals since start.</summary>
/// <remarks>Reads only in-memory counters (the outbox's included), so it answers while the outbox file is damaged or being replaced.</remarks>
internal sealed class PrometheusText(
    InferenceMetrics metrics, DurableOutbox outbox, UplinkState uplink, InferenceSampler sampler, LoopSupervisor loops, IEnumerable<IMetricsSection> sections)
{
    public string Render()
    {
        var text = new StringBuilder();
        Header(text, "edgeai_inference_requests_total", "counter", "Inference requests by model and who served them.");
        var models = metrics.Totals();
        foreach (var m in models)
        {
            Line(text, "edgeai_inference_requests_total", $"model=\"{m.Model}\",served_by=\"local\"", m.ServedLocal);
            Line(text, "edgeai_inference_requests_total", $"model=\"{m.Model}\",served_by=\"cloud\"", m.ServedCloud);
        }
        Header(text, "edgeai_inference_errors_total", "counter", "Failed inference requests by model and gRPC status.");
        foreach (var m in models)
        {
            foreach (var (code, count) in m.ErrorCodes)
            {
                Line(text, "edgeai_inference_errors_total", $"model=\"{m.Model}\",code=\"{code}\"", count);
            }
        }
        Header(text, "edgeai_inference_fallbacks_total", "counter", "Requests the hub served, by reason.");
        foreach (var m in models)
        {
            foreach (var (reason, count) in m.FallbackReasons)
            {
                Line(text, "edgeai_inference_fallbacks_total", $"model=\"{m.Model}\",reason=\"{reason}\"", count);
            }
        }
        Header(text, "edgeai_inference_latency_ms", "histogram", "End-to-end inference latency seen by the agent.");
        foreach (var m in models)
        {
            long cumulative = 0;
            for (var i = 0; i < m.Latency.Counts.Count; i++)
            {
                cumulative += m.Latency.Counts[i];
                var le = i < m.Latency.BoundsMs.Count ? m.Latency.BoundsMs[i].ToString(CultureInfo.InvariantCulture) : "+Inf";
                Line(text, "edgeai_inference_latency_ms_bucket", $"model=\"{m.Model}\",le=\"{le}\"", cumulative);
            }
            Line(text, "edgeai_inference_latency_ms_sum", $"model=\"{m.Model}\"", m.Latency.SumMs);
            Line(text, "edgeai_inference_latency_ms_count", $"model=\"{m.Model}\"", m.Latency.Count);
        }
        Header(text, "edgeai_outbox_depth", "gauge", "Records waiting in the outbox.");
        Header(text, "edgeai_outbox_dropped_total", "counter", "Records dropped to make room (oldest first).");
        foreach (var stream in SyncTopics.Streams)
        {
            var s = outbox.Stats(stream);
            Line(text, "edgeai_outbox_depth", $"stream=\"{stream}\"", s.Depth);
            Line(text, "edgeai_outbox_dropped_total", $"stream=\"{stream}\"", s.Dropped + (stream == SyncTopics.Inference ? sampler.Dropped : 0));
            Line(text, "edgeai_outbox_refused_total", $"stream=\"{stream}\"", s.Refused);
            Line(text, "edgeai_outbox_expired_total", $"stream=\"{stream}\"", s.Expired);
            Line(text, "edgeai_outbox_last_sequence", $"stream=\"{stream}\"", s.NextSequence - 1);
        }
        Header(text, "edgeai_uplink_connected", "gauge", "1 while the MQTT uplink is connected.");
        Line(text, "edgeai_uplink_connected", "", uplink.Connected ? 1 : 0);
        Line(text, "edgeai_uplink_records_sent_total", "", uplink.RecordsSent);
        Line(text, "edgeai_uplink_failures_total", "", uplink.Failures);
        Header(text, "edgeai_agent_loop_restarts_total", "counter", "Times a background loop failed and was restarted, by loop.");
        foreach (var (loop, restarts) in loops.Restarts)
        {
            Line(text, "edgeai_agent_loop_restarts_total", $"loop=\"{loop}\"", restarts);
        }
        Header(text, "edgeai_outbox_resets_total", "counter", "Times a damaged outbox file was salvaged and replaced since start.");
        Line(text, "edgeai_outbox_resets_total", "", outbox.Resets);
        foreach (var section in sections)
        {
            section.Render(text);
        }
        return text.ToString();
    }

    /// <summary>A label value as the text format wants it: backslash, double quote and line feed escaped.</summary>
    public static string Label(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    public static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");

    public static void Line(StringBuilder text, string name, string labels, double value) =>
        text.Append(CultureInfo.InvariantCulture, $"{name}{(labels.Length > 0 ? "{" + labels + "}" : "")} {value}\n");
}
