using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace EdgeAi.Common.Metrics;

/// <summary>
/// The one writer of /metrics: listens to System.Diagnostics.Metrics instruments and writes them in the
/// Prometheus text format. Counters are <c>_total</c>, histograms <c>_bucket{le}</c>/<c>_sum</c>/<c>_count</c>,
/// every family has # HELP and # TYPE (also before its first sample), families are in name order and
/// samples in label order, so two scrapes of the same state are the same text.
/// </summary>
/// <remarks>
/// Our own writer rather than OpenTelemetry's Prometheus exporter: that one is pre-release and an ASP.NET Core
/// middleware, and the agent is published trimmed. Measurements made before the exporter starts are not seen,
/// so hosts create it before they start.
/// </remarks>
public sealed class PrometheusExporter : IDisposable
{
    /// <summary>Bucket upper bounds in seconds for a histogram without advice: 0.5 ms to 10 s, suited to latencies.</summary>
    public static IReadOnlyList<double> LatencyBuckets { get; } = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener;
    private readonly ConcurrentDictionary<Instrument, InstrumentState> _instruments = new();
    private readonly Lock _collect = new();

    /// <param name="include">Which instruments to export; see <see cref="ForScope"/>.</param>
    public PrometheusExporter(Func<Instrument, bool> include)
    {
        ArgumentNullException.ThrowIfNull(include);
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (include(instrument) && InstrumentState.Create(instrument, LatencyBuckets) is { } state)
                {
                    _instruments[instrument] = state;
                    listener.EnableMeasurementEvents(instrument, state);
                }
            },
            MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out InstrumentState? _),
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>
    /// Exports the meters one host created through its <see cref="IMeterFactory"/> (their <see cref="Meter.Scope"/>),
    /// named with <paramref name="meterPrefix"/>: a test process runs several hosts, and each /metrics shows its own.
    /// </summary>
    public static PrometheusExporter ForScope(object scope, string meterPrefix = "EdgeAi.") =>
        new(i => ReferenceEquals(i.Meter.Scope, scope) && i.Meter.Name.StartsWith(meterPrefix, StringComparison.Ordinal));

    /// <summary>The page: observable instruments are asked for their values now, the others show what they recorded.</summary>
    public string Collect()
    {
        lock (_collect)
        {
            var states = _instruments.Values.ToList();
            foreach (var state in states.Where(s => s.Observable))
            {
                state.Clear();
            }
            try
            {
                _listener.RecordObservableInstruments();
            }
            catch (AggregateException)
            {
                // A callback that throws loses its own samples this time; the page still answers with the rest.
            }
            var text = new StringBuilder();
            foreach (var family in states.GroupBy(s => s.Family, StringComparer.Ordinal).OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                var first = family.First();
                text.Append("# HELP ").Append(family.Key).Append(' ').Append(PrometheusFormat.Help(first.Help)).Append('\n');
                text.Append("# TYPE ").Append(family.Key).Append(' ').Append(first.Type).Append('\n');
                // Instruments of another type under the same name would make the family invalid: the first one wins.
                var samples = family.Where(s => s.Type == first.Type).SelectMany(s => s.Samples())
                    .GroupBy(s => s.Labels, StringComparer.Ordinal).Select(g => g.First());
                foreach (var (_, write) in samples.OrderBy(s => s.Labels, StringComparer.Ordinal))
                {
                    write(text);
                }
            }
            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();
}
