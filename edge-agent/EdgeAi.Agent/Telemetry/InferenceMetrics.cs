using EdgeAi.Common.Sync;

namespace EdgeAi.Agent.Telemetry;

/// <summary>One served (or failed) request, as the metrics see it.</summary>
internal readonly record struct InferenceOutcome(
    string Model, string? Version, string? ServedBy, string? FallbackReason, string? ExecutionProvider, double LatencyMs, string? ErrorCode);

/// <summary>
/// Per-model request counts, fallback reasons, errors and a latency histogram. Two views of the same
/// numbers: a window that telemetry takes and resets, and totals since start for /metrics.
/// </summary>
internal sealed class InferenceMetrics
{
    /// <summary>Upper bounds of the latency buckets in milliseconds; one overflow bucket follows.</summary>
    public static IReadOnlyList<double> BoundsMs { get; } = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ModelCounts> _window = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModelCounts> _total = new(StringComparer.Ordinal);

    public void Record(in InferenceOutcome outcome)
    {
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
            if (o.ServedBy == EdgeAi.Serving.Protocol.InferenceParameters.ServedCloud)
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
