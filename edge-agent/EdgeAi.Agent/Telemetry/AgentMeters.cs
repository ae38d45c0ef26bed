using System.Diagnostics.Metrics;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Uplink;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Hosting;

namespace EdgeAi.Agent.Telemetry;

/// <summary>
/// The outbox, the uplink and the supervised loops on /metrics, observed at each scrape. Reads only in-memory
/// counters (the outbox's included), so the page answers while the outbox file is damaged or being replaced.
/// </summary>
internal sealed class AgentMeters : IMetricsSource
{
    public const string OutboxMeter = "EdgeAi.Agent.Outbox";
    public const string UplinkMeter = "EdgeAi.Agent.Uplink";
    public const string HostMeter = "EdgeAi.Agent.Host";

    public AgentMeters(IMeterFactory meters, DurableOutbox outbox, UplinkState uplink, InferenceSampler sampler, LoopSupervisor loops)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var box = meters.Create(OutboxMeter);
        IEnumerable<Measurement<long>> PerStream(Func<OutboxStats, long> value) =>
            SyncTopics.Streams.Select(s => new Measurement<long>(value(outbox.Stats(s)), new KeyValuePair<string, object?>("stream", s)));
        box.CreateObservableGauge("edgeai_outbox_depth", () => PerStream(s => s.Depth), "{record}", "Records waiting in the outbox, by stream.");
        box.CreateObservableCounter("edgeai_outbox_dropped", () => SyncTopics.Streams.Select(s => new Measurement<long>(
                outbox.Stats(s).Dropped + (s == SyncTopics.Inference ? sampler.Dropped : 0), new KeyValuePair<string, object?>("stream", s))),
            "{record}", "Records dropped to make room (oldest first), by stream; inference also counts samples the sampler's queue dropped.");
        box.CreateObservableCounter("edgeai_outbox_refused", () => PerStream(s => s.Refused), "{record}", "Records the outbox refused to store (full, with nothing it may drop), by stream.");
        box.CreateObservableCounter("edgeai_outbox_expired", () => PerStream(s => s.Expired), "{record}", "Records deleted unsent when their time-to-live passed, by stream.");
        box.CreateObservableGauge("edgeai_outbox_last_sequence", () => PerStream(s => s.NextSequence - 1), "{record}", "Sequence number of the last record appended, by stream.");
        box.CreateObservableCounter("edgeai_outbox_resets", () => outbox.Resets, "{reset}", "Times a damaged outbox file was salvaged and replaced since start.");

        var link = meters.Create(UplinkMeter);
        link.CreateObservableGauge("edgeai_uplink_connected", () => uplink.Connected ? 1 : 0, "1", "1 while the MQTT uplink is connected.");
        link.CreateObservableCounter("edgeai_uplink_records_sent", () => uplink.RecordsSent, "{record}", "Records the broker acknowledged.");
        link.CreateObservableCounter("edgeai_uplink_failures", () => uplink.Failures, "{failure}", "Failed uplink connections or publishes.");

        meters.Create(HostMeter).CreateObservableCounter("edgeai_agent_loop_restarts",
            () => loops.Restarts.Select(r => new Measurement<long>(r.Value, new KeyValuePair<string, object?>("loop", r.Key))),
            "{restart}", "Times a background loop failed and was restarted, by loop.");
    }
}
