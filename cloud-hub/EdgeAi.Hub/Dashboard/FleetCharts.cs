using EdgeAi.Common.Sync;
using EdgeAi.Hub.Store;

namespace EdgeAi.Hub.Dashboard;

/// <summary>One time bucket of a chart series: what its telemetry windows add up to. The latency quantiles are null without requests.</summary>
internal sealed record ChartPoint(DateTimeOffset At, long Requests, long ServedCloud, long Errors, double? FallbackRate, double? P50Ms, double? P99Ms);

/// <summary>A line of a chart: one model, one device, or the whole fleet ("all"), with a point per bucket.</summary>
internal sealed record ChartSeries(string Key, long Requests, IReadOnlyList<ChartPoint> Points);

/// <summary>GET /api/fleet/charts: the range, its step, how the series are split, and the series (most requests first).</summary>
internal sealed record ChartsView(DateTimeOffset From, DateTimeOffset To, double StepSeconds, string By, bool Truncated, IReadOnlyList<ChartSeries> Series);

/// <summary>A stored telemetry record as the charts read it.</summary>
internal readonly record struct StoredTelemetry(string DeviceId, long CreatedAtMs, byte[] Body);

/// <summary>How chart series are split.</summary>
internal static class ChartGrouping
{
    public const string Model = "model";
    public const string Device = "device";
    public const string Fleet = "fleet";

    public static readonly string[] All = [Model, Device, Fleet];
}

/// <summary>
/// Turns telemetry records into chart buckets. Each record is one agent window (per-model request counts and
/// a latency histogram); a window falls into the bucket of its creation time. Histograms of the same bucket
/// are merged by their upper bounds (every agent uses the same bounds; differing ones still merge, each
/// count at its own bound), and p50/p99 are read off the merged histogram with linear interpolation inside
/// the bucket that holds the quantile, as Prometheus' histogram_quantile does. A quantile in the overflow
/// bucket is reported as the highest finite bound: "at least this".
/// </summary>
internal static class FleetCharts
{
    public static ChartsView Build(IEnumerable<StoredTelemetry> records, DateTimeOffset from, DateTimeOffset to, TimeSpan step, string by, string? model, bool truncated = false)
    {
        ArgumentNullException.ThrowIfNull(records);
        var fromMs = from.ToUnixTimeMilliseconds();
        var stepMs = (long)step.TotalMilliseconds;
        var buckets = (int)Math.Max(1, (to.ToUnixTimeMilliseconds() - fromMs + stepMs - 1) / stepMs);
        var series = new Dictionary<string, Accumulator[]>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            var index = (record.CreatedAtMs - fromMs) / stepMs;
            if (record.CreatedAtMs < fromMs || index >= buckets || StoredBody.TryParse(record.Body, Telemetry.Parser) is not { } telemetry)
            {
                continue;
            }
            foreach (var m in telemetry.Models.Where(m => model is null || m.Model == model))
            {
                var key = by switch
                {
                    ChartGrouping.Device => record.DeviceId,
                    ChartGrouping.Fleet => "all",
                    _ => m.Model,
                };
                if (!series.TryGetValue(key, out var line))
                {
                    line = new Accumulator[buckets];
                    series[key] = line;
                }
                (line[index] ??= new Accumulator()).Add(m);
            }
        }
        var lines = series
            .Select(s => new ChartSeries(s.Key, s.Value.Sum(a => a?.Requests ?? 0),
                [.. s.Value.Select((a, i) => (a ?? Accumulator.Empty).ToPoint(DateTimeOffset.FromUnixTimeMilliseconds(fromMs + (i * stepMs))))]))
            .OrderByDescending(s => s.Requests).ThenBy(s => s.Key, StringComparer.Ordinal)
            .ToList();
        return new ChartsView(from, to, step.TotalSeconds, by, truncated, lines);
    }

    /// <summary>The q-quantile (0..1) of a histogram given as (upper bound, count) pairs in bound order, the overflow bound being +∞; null when empty.</summary>
    public static double? Quantile(IReadOnlyList<KeyValuePair<double, long>> histogram, double q)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        var total = histogram.Sum(b => b.Value);
        if (total == 0)
        {
            return null;
        }
        var rank = q * total;
        double lower = 0;
        long below = 0;
        foreach (var (upper, count) in histogram)
        {
            if (count > 0 && below + count >= rank)
            {
                return double.IsPositiveInfinity(upper) ? lower : lower + ((upper - lower) * (rank - below) / count);
            }
            below += count;
            if (!double.IsPositiveInfinity(upper))
            {
                lower = upper;
            }
        }
        return lower;
    }

    /// <summary>One bucket of one series while records are added.</summary>
    private sealed class Accumulator
    {
        public static readonly Accumulator Empty = new();

        private readonly SortedDictionary<double, long> _latency = [];

        public long Requests { get; private set; }

        private long _cloud, _errors;

        public void Add(ModelTelemetry m)
        {
            Requests += m.Requests;
            _cloud += m.ServedCloud;
            _errors += m.Errors;
            if (m.Latency is not { } histogram)
            {
                return;
            }
            for (var i = 0; i < histogram.Counts.Count; i++)
            {
                var bound = i < histogram.BoundsMs.Count ? histogram.BoundsMs[i] : double.PositiveInfinity;
                _latency[bound] = _latency.GetValueOrDefault(bound) + histogram.Counts[i];
            }
        }

        public ChartPoint ToPoint(DateTimeOffset at)
        {
            var histogram = _latency.ToList();
            return new ChartPoint(at, Requests, _cloud, _errors,
                Requests == 0 ? null : (double)_cloud / Requests,
                Round(Quantile(histogram, 0.5)), Round(Quantile(histogram, 0.99)));
        }

        private static double? Round(double? ms) => ms is { } value ? Math.Round(value, 3) : null;
    }
}
