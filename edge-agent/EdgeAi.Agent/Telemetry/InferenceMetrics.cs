using System.Diagnostics.Metrics;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Protocol;

namespace EdgeAi.Agent.Telemetry;

/// <summary>One served (or failed) request, as the metrics see it.</summary>
internal readonly record struct InferenceOutcome(
    string Model, string? Version, string? ServedBy, string? FallbackReason, string? ExecutionProvider, double LatencyMs, string? ErrorCode);

/// <summary>
/// Per-model request counts, fallback reasons, errors and a latency histogram. Two views of the same
/// numbers: a window that telemetry takes and resets, and totals since start. /metrics gets the same outcomes
/// through instruments of the <see cref="MeterName"/> meter, named after Triton's.
/// </summary>
internal sealed class InferenceMetrics
{
    public const string MeterName = "EdgeAi.Agent.Inference";

    /// <summary>Upper bounds of the latency buckets in milliseconds; one overflow bucket follows.</summary>
    public static IReadOnlyList<double> BoundsMs { get; } = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ModelCounts> _window = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModelCounts> _total = new(StringComparer.Ordinal);
    private readonly Counter<long>? _success;
    private readonly Counter<long>? _failure;
    private readonly Counter<long>? _served;
    private readonly Counter<long>? _fallbacks;
    private readonly Histogram<double>? _duration;

    public InferenceMetrics(IMeterFactory? meters = null)
    {
        if (meters?.Create(MeterName) is not { } meter)
        {
            return;
        }
        _success = meter.CreateCounter<long>("edgeai_inference_request_success", "{request}", "Requests answered, by model and the version that answered.");
        _failure = meter.CreateCounter<long>("edgeai_inference_request_failure", "{request}",
            "Requests that got no answer, by model, version asked for (empty: any) and reason (the gRPC status, Cancelled when the caller gave up).");
        _served = meter.CreateCounter<long>("edgeai_inference_served", "{request}", "Requests answered, by model and who served them (local, cloud).");
        _fallbacks = meter.CreateCounter<long>("edgeai_inference_fallbacks", "{request}",
            "Requests the hub served instead of the device, by model and reason (model_not_installed, model_not_ready, local_failure, overloaded, deadline, low_confidence).");
        _duration = meter.CreateHistogram<double>("edgeai_inference_request_duration", "s", "End-to-end inference latency seen by the agent (routing, queue, compute, hub), by model.");
    }

    public void Record(in InferenceOutcome outcome)
    {
        Publish(outcome);
        lock (_gate)
        {
            Counts(_window, outcome.Model).Add(outcome);
            Counts(_total, outcome.Model).Add(outcome);
        }
    }

    /// <summary>What happened since the last call, per model; starts a new window.</summary>
    public IReadOnlyList<ModelTelemetry> TakeWindow()
    {
        lock (_gate)
        {
            var models = _window.Values.Select(c => c.ToMessage()).ToList();
            _window.Clear();
            return models;
        }
    }

    /// <summary>Totals since the agent started, per model.</summary>
    public IReadOnlyList<ModelTelemetry> Totals()
    {
        lock (_gate)
        {
            return [.. _total.Values.Select(c => c.ToMessage())];
        }
    }

    private void Publish(in InferenceOutcome o)
    {
        if (_duration is null)
        {
            return;
        }
        var model = new KeyValuePair<string, object?>("model", o.Model);
        var version = new KeyValuePair<string, object?>("version", o.Version ?? "");
        _duration.Record(o.LatencyMs / 1000, model);
        if (o.ErrorCode is { } code)
        {
            _failure!.Add(1, model, version, new KeyValuePair<string, object?>("reason", code));
            return;
        }
        _success!.Add(1, model, version);
        var cloud = o.ServedBy == InferenceParameters.ServedCloud;
        _served!.Add(1, model, new KeyValuePair<string, object?>("served_by", cloud ? InferenceParameters.ServedCloud : InferenceParameters.ServedLocal));
        if (cloud && o.FallbackReason is { } reason)
        {
            _fallbacks!.Add(1, model, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    private static ModelCounts Counts(Dictionary<string, ModelCounts> counts, string model)
    {
        if (!counts.TryGetValue(model, out var c))
        {
            c = new ModelCounts(model);
            counts[model] = c;
        }
        return c;
    }

    private sealed class ModelCounts(string model)
    {
        private readonly long[] _buckets = new long[BoundsMs.Count + 1];
        private readonly Dictionary<string, long> _fallbacks = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
        private string _version = "";
        private string _provider = "";
        private long _requests, _failed, _local, _cloud;
        private double _sumMs;

        public void Add(in InferenceOutcome o)
        {
            _requests++;
            _sumMs += o.LatencyMs;
            var bucket = 0;
            while (bucket < BoundsMs.Count && o.LatencyMs > BoundsMs[bucket])
            {
                bucket++;
            }
            _buckets[bucket]++;
            if (o.ErrorCode is { } code)
            {
                _failed++;
                _errors[code] = _errors.GetValueOrDefault(code) + 1;
                return;
            }
            _version = o.Version ?? _version;
            _provider = o.ExecutionProvider ?? _provider;
            if (o.ServedBy == InferenceParameters.ServedCloud)
            {
                _cloud++;
                if (o.FallbackReason is { } reason)
                {
                    _fallbacks[reason] = _fallbacks.GetValueOrDefault(reason) + 1;
                }
            }
            else
            {
                _local++;
            }
        }

        public ModelTelemetry ToMessage()
        {
            var message = new ModelTelemetry
            {
                Model = model,
                Version = _version,
                ExecutionProvider = _provider,
                Requests = _requests,
                Errors = _failed,
                ServedLocal = _local,
                ServedCloud = _cloud,
                Latency = new LatencyHistogram { SumMs = _sumMs, Count = _requests },
            };
            message.FallbackReasons.Add(_fallbacks);
            message.ErrorCodes.Add(_errors);
            message.Latency.BoundsMs.Add(BoundsMs);
            message.Latency.Counts.Add(_buckets);
            return message;
        }
    }
}
