using System.Diagnostics.Metrics;

namespace EdgeAi.Serving.Statistics;

/// <summary>
/// The statistics extension's queue and compute times as histograms on /metrics, named after Triton's
/// nv_inference_queue_duration_us and nv_inference_compute_*_duration_us but in seconds, with the three
/// compute phases as a label: input (binding tensors), infer (the session run), output (writing the response).
/// </summary>
public sealed class ServingMeters
{
    public const string MeterName = "EdgeAi.Serving";

    private static readonly IReadOnlyList<double> Buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Histogram<double> _queue;
    private readonly Histogram<double> _compute;

    public ServingMeters(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets };
        _queue = meter.CreateHistogram("edgeai_inference_queue_duration", "s",
            "Time a request waited for a run slot (or in a batcher's queue) before its model ran, by model and version.", advice: advice);
        _compute = meter.CreateHistogram("edgeai_inference_compute_duration", "s",
            "Compute time of the run that answered a request, by model, version and phase (input, infer, output).", advice: advice);
    }

    /// <summary>One answered request; durations in <paramref name="frequency"/> timestamp ticks.</summary>
    internal void Succeeded(string model, string version, long queueTicks, long inputTicks, long inferTicks, long outputTicks, long frequency)
    {
        var m = new KeyValuePair<string, object?>("model", model);
        var v = new KeyValuePair<string, object?>("version", version);
        _queue.Record(Seconds(queueTicks, frequency), m, v);
        _compute.Record(Seconds(inputTicks, frequency), m, v, new KeyValuePair<string, object?>("phase", "input"));
        _compute.Record(Seconds(inferTicks, frequency), m, v, new KeyValuePair<string, object?>("phase", "infer"));
        _compute.Record(Seconds(outputTicks, frequency), m, v, new KeyValuePair<string, object?>("phase", "output"));
    }

    private static double Seconds(long ticks, long frequency) => Math.Max(ticks, 0) / (double)frequency;
}
