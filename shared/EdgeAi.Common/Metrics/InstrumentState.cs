using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;

namespace EdgeAi.Common.Metrics;

/// <summary>What the exporter keeps of one instrument: its family's name, type and help, and a value per label set.</summary>
internal abstract class InstrumentState(string family, string type, string help)
{
    public string Family { get; } = family;

    public string Type { get; } = type;

    public string Help { get; } = help;

    /// <summary>Observable instruments report their whole state at each collection: the previous one is cleared first.</summary>
    public virtual bool Observable => false;

    public abstract void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    public virtual void Clear()
    {
    }

    /// <summary>Sample lines by their label text, for the exporter to order and write.</summary>
    public abstract IEnumerable<(string Labels, Action<StringBuilder> Write)> Samples();

    public static InstrumentState? Create(Instrument instrument, IReadOnlyList<double> defaultBuckets)
    {
        var help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description;
        string Name(bool counter) => PrometheusFormat.FamilyName(instrument.Name, instrument.Unit, counter);
        return instrument switch
        {
            Counter<long> or Counter<int> or Counter<double> => new SumState(Name(true), "counter", help, observed: false),
            UpDownCounter<long> or UpDownCounter<int> or UpDownCounter<double> => new SumState(Name(false), "gauge", help, observed: false),
            ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double> => new SumState(Name(true), "counter", help, observed: true),
            ObservableUpDownCounter<long> or ObservableUpDownCounter<int> or ObservableUpDownCounter<double>
                or ObservableGauge<long> or ObservableGauge<int> or ObservableGauge<double> => new SumState(Name(false), "gauge", help, observed: true),
            Gauge<long> or Gauge<int> or Gauge<double> => new LastValueState(Name(false), help),
            Histogram<double> h => new HistogramState(Name(false), help, h.Advice?.HistogramBucketBoundaries ?? defaultBuckets),
            Histogram<long> h => new HistogramState(Name(false), help, h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToList() ?? defaultBuckets),
            Histogram<int> h => new HistogramState(Name(false), help, h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToList() ?? defaultBuckets),
            _ => null,
        };
    }

    protected static void Line(StringBuilder text, string name, string labels, double value)
    {
        text.Append(name);
        if (labels.Length > 0)
        {
            text.Append('{').Append(labels).Append('}');
        }
        text.Append(' ').Append(PrometheusFormat.Number(value)).Append('\n');
    }

    /// <summary>Counters and up-down counters add; observed instruments set what their callback reported.</summary>
    private sealed class SumState(string family, string type, string help, bool observed) : InstrumentState(family, type, help)
    {
        private readonly ConcurrentDictionary<string, double[]> _values = new(StringComparer.Ordinal);

        public override bool Observable => observed;

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var cell = _values.GetOrAdd(PrometheusFormat.Labels(tags), static _ => new double[1]);
            lock (cell)
            {
                cell[0] = observed ? value : cell[0] + value;
            }
        }

        public override void Clear() => _values.Clear();

        public override IEnumerable<(string, Action<StringBuilder>)> Samples() =>
            _values.Select(v => (v.Key, (Action<StringBuilder>)(text => Line(text, Family, v.Key, Volatile.Read(ref v.Value[0])))));
    }

    private sealed class LastValueState(string family, string help) : InstrumentState(family, "gauge", help)
    {
        private readonly ConcurrentDictionary<string, double> _values = new(StringComparer.Ordinal);

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => _values[PrometheusFormat.Labels(tags)] = value;

        public override IEnumerable<(string, Action<StringBuilder>)> Samples() =>
            _values.Select(v => (v.Key, (Action<StringBuilder>)(text => Line(text, Family, v.Key, v.Value))));
    }

    /// <summary>Fixed buckets (each upper bound inclusive, as <c>le</c> means), a sum and a count per label set.</summary>
    private sealed class HistogramState(string family, string help, IReadOnlyList<double> bounds) : InstrumentState(family, "histogram", help)
    {
        private readonly double[] _bounds = [.. bounds.Order()];
        private readonly ConcurrentDictionary<string, Cell> _cells = new(StringComparer.Ordinal);

        public override void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var cell = _cells.GetOrAdd(PrometheusFormat.Labels(tags), _ => new Cell(_bounds.Length + 1));
            var bucket = 0;
            while (bucket < _bounds.Length && value > _bounds[bucket])
            {
                bucket++;
            }
            lock (cell)
            {
                cell.Counts[bucket]++;
                cell.Sum += value;
                cell.Count++;
            }
        }

        public override IEnumerable<(string, Action<StringBuilder>)> Samples() =>
            _cells.Select(c => (c.Key, (Action<StringBuilder>)(text => Write(text, c.Key, c.Value))));

        private void Write(StringBuilder text, string labels, Cell cell)
        {
            long[] counts;
            double sum;
            long count;
            lock (cell)
            {
                counts = [.. cell.Counts];
                sum = cell.Sum;
                count = cell.Count;
            }
            var prefix = labels.Length > 0 ? labels + "," : "";
            long cumulative = 0;
            for (var i = 0; i < counts.Length; i++)
            {
                cumulative += counts[i];
                var le = i < _bounds.Length ? PrometheusFormat.Number(_bounds[i]) : "+Inf";
                Line(text, Family + "_bucket", prefix + "le=\"" + le + "\"", cumulative);
            }
            Line(text, Family + "_sum", labels, sum);
            Line(text, Family + "_count", labels, count);
        }

        private sealed class Cell(int buckets)
        {
            public long[] Counts { get; } = new long[buckets];

            public double Sum { get; set; }

            public long Count { get; set; }
        }
    }
}
