using System.Collections.Concurrent;
using EdgeAi.Common.Inference;

namespace EdgeAi.Serving.Statistics;

/// <summary>
/// The statistics extension's figures for one loaded model version, as Triton defines them: per request
/// (success, fail, queue and the three compute phases), per execution (execution_count, inference_count
/// counting every row of a batch, and one entry per batch size run). Lock-free: each figure is an
/// interlocked add, and recording allocates nothing once a batch size has been seen. Durations are in
/// <see cref="TimeProvider"/> timestamp ticks until a snapshot turns them into nanoseconds.
/// </summary>
public sealed class ModelCounters
{
    private readonly TimeProvider _time;
    private readonly DurationCounter _success = new();
    private readonly DurationCounter _fail = new();
    private readonly DurationCounter _queue = new();
    private readonly DurationCounter _computeInput = new();
    private readonly DurationCounter _computeInfer = new();
    private readonly DurationCounter _computeOutput = new();
    private readonly ConcurrentDictionary<long, BatchCounters> _batches = new();
    private long _inferenceCount;
    private long _executionCount;
    private long _lastInferenceMs;

    public ModelCounters(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
    }

    /// <summary>The clock the durations are measured on: callers take their timestamps from it.</summary>
    public TimeProvider Time => _time;

    public long SuccessCount => _success.Count;

    public long FailCount => _fail.Count;

    /// <summary>One model execution of <paramref name="batchSize"/> rows, with the time of each phase.</summary>
    public void Executed(long batchSize, long inputTicks, long inferTicks, long outputTicks)
    {
        Interlocked.Increment(ref _executionCount);
        Interlocked.Add(ref _inferenceCount, batchSize);
        var batch = _batches.GetOrAdd(batchSize, static _ => new BatchCounters());
        batch.Input.Add(inputTicks);
        batch.Infer.Add(inferTicks);
        batch.Output.Add(outputTicks);
    }

    /// <summary>
    /// One request answered: <paramref name="totalTicks"/> from its arrival to its response, of which it
    /// waited <paramref name="queueTicks"/>; the compute phases are those of the execution it was part of.
    /// </summary>
    public void Succeeded(long totalTicks, long queueTicks, long inputTicks, long inferTicks, long outputTicks)
    {
        _success.Add(totalTicks);
        _queue.Add(queueTicks);
        _computeInput.Add(inputTicks);
        _computeInfer.Add(inferTicks);
        _computeOutput.Add(outputTicks);
        Touch();
    }

    /// <summary>One request that reached the model (it passed the protocol's checks) and got no response.</summary>
    public void Failed(long totalTicks)
    {
        _fail.Add(totalTicks);
        Touch();
    }

    public ModelStatistics Snapshot(string name, string version)
    {
        var frequency = _time.TimestampFrequency;
        var statistics = new ModelStatistics
        {
            Name = name,
            Version = version,
            LastInference = (ulong)Volatile.Read(ref _lastInferenceMs),
            InferenceCount = (ulong)Volatile.Read(ref _inferenceCount),
            ExecutionCount = (ulong)Volatile.Read(ref _executionCount),
            InferenceStats = new InferStatistics
            {
                Success = _success.ToProto(frequency),
                Fail = _fail.ToProto(frequency),
                Queue = _queue.ToProto(frequency),
                ComputeInput = _computeInput.ToProto(frequency),
                ComputeInfer = _computeInfer.ToProto(frequency),
                ComputeOutput = _computeOutput.ToProto(frequency),
                CacheHit = new StatisticDuration(),
                CacheMiss = new StatisticDuration(),
            },
        };
        foreach (var (size, batch) in _batches.OrderBy(b => b.Key))
        {
            statistics.BatchStats.Add(new InferBatchStatistics
            {
                BatchSize = (ulong)size,
                ComputeInput = batch.Input.ToProto(frequency),
                ComputeInfer = batch.Infer.ToProto(frequency),
                ComputeOutput = batch.Output.ToProto(frequency),
            });
        }
        return statistics;
    }

    private void Touch()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        // Requests finish out of order: keep the latest, never move back.
        var seen = Volatile.Read(ref _lastInferenceMs);
        while (now > seen)
        {
            var previous = Interlocked.CompareExchange(ref _lastInferenceMs, now, seen);
            if (previous == seen)
            {
                return;
            }
            seen = previous;
        }
    }

    private sealed class BatchCounters
    {
        public DurationCounter Input { get; } = new();

        public DurationCounter Infer { get; } = new();

        public DurationCounter Output { get; } = new();
    }
}
