using System.Diagnostics;
using System.Threading.Channels;
using EdgeAi.Common.Inference;
using EdgeAi.Hub.Tracing;
using EdgeAi.Serving;
using EdgeAi.Serving.Tracing;

namespace EdgeAi.Hub.Batching;

/// <summary>
/// One model's batching queue. A single loop (<see cref="RunAsync"/>, started and stopped by the
/// <see cref="BatchingBackend"/>'s hosted lifetime) takes the oldest request, gathers compatible ones
/// until the batch is full or the queue delay has passed, runs them as one inference and hands each
/// caller its rows. Requests whose deadline passed while queued fail with DEADLINE_EXCEEDED and are
/// not run; once stopped and closed, every request still waiting fails with UNAVAILABLE.
/// </summary>
internal sealed class ModelBatcher
{
    public const string ShuttingDown = "the hub is shutting down";

    // Not SingleReader: Close may drain while a loop that outlived the host's stop timeout still reads.
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>();
    private readonly Func<ModelInferRequest, IReadOnlyList<long>?, CancellationToken, Task<ModelInferResponse>> _infer;
    private readonly BatchingMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly int _maxRows;
    private readonly TimeSpan _maxDelay;
    private readonly Action<ModelInferRequest, long>? _expired;

    /// <param name="infer">
    /// Runs one (merged or single) request: the model host's inference, given when each request in it arrived
    /// (timestamps of <paramref name="time"/>, the clock the host's statistics use), so each counts its own queue time.
    /// </param>
    /// <param name="expired">Told of a request that reached the model's queue and was not run (its deadline passed there), with when it arrived: a failure in the model's statistics, as Triton counts a queue timeout.</param>
    public ModelBatcher(
        Func<ModelInferRequest, IReadOnlyList<long>?, CancellationToken, Task<ModelInferResponse>> infer, BatchingMetrics metrics, TimeProvider time, int maxRows, TimeSpan maxDelay,
        Action<ModelInferRequest, long>? expired = null)
    {
        _expired = expired;
        _infer = infer;
        _metrics = metrics;
        _time = time;
        _maxRows = maxRows;
        _maxDelay = maxDelay;
    }

    public Task<ModelInferResponse> EnqueueAsync(ModelInferRequest request, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var pending = new Pending(request, BatchMerge.Key(request), request.Inputs[0].Shape[0], deadline, [_time.GetTimestamp()], Activity.Current, cancellationToken);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InferenceException(InferenceError.Unavailable, ShuttingDown);
        }
        return pending.Completion.Task;
    }

    /// <summary>Refuses new requests and fails every one still queued; for after the loop has stopped.</summary>
    public void Close()
    {
        _queue.Writer.TryComplete();
        while (_queue.Reader.TryRead(out var left))
        {
            left.Fail();
        }
    }

    /// <summary>The batching loop, until <paramref name="stop"/>; a batch being gathered when it comes still runs.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        // The loop was started by some request and inherited its span as the current one: no later batch belongs to it.
        Activity.Current = null;
        var carried = new List<Pending>();
        try
        {
            await LoopAsync(carried, stop).ConfigureAwait(false);
        }
        finally
        {
            // Taken from the queue but not run (another batch's company): nobody else will answer them.
            carried.ForEach(p => p.Fail());
        }
    }

    private async Task LoopAsync(List<Pending> carried, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Pending first;
            if (carried.Count > 0)
            {
                first = carried[0];
                carried.RemoveAt(0);
            }
            else
            {
                try
                {
                    first = await _queue.Reader.ReadAsync(stop).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
                {
                    return;
                }
            }

            var batch = new List<Pending> { first };
            var rows = first.Rows;
            for (var i = 0; i < carried.Count && rows < _maxRows; i++)
            {
                if (carried[i].Key == first.Key && rows + carried[i].Rows <= _maxRows)
                {
                    rows += carried[i].Rows;
                    batch.Add(carried[i]);
                    carried.RemoveAt(i--);
                }
            }
            rows = await GatherAsync(batch, carried, rows, stop).ConfigureAwait(false);
            await ExecuteAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task<long> GatherAsync(List<Pending> batch, List<Pending> carried, long rows, CancellationToken stop)
    {
        var until = _time.GetUtcNow() + _maxDelay;
        while (rows < _maxRows)
        {
            if (_queue.Reader.TryRead(out var next))
            {
                if (next.Key == batch[0].Key && rows + next.Rows <= _maxRows)
                {
                    batch.Add(next);
                    rows += next.Rows;
                }
                else
                {
                    carried.Add(next);
                }
                continue;
            }
            var remaining = until - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }
            using var wait = new CancellationTokenSource(remaining, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(wait.Token, stop);
            try
            {
                if (!await _queue.Reader.WaitToReadAsync(linked.Token).ConfigureAwait(false))
                {
                    break;
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return rows;
    }

    private async Task ExecuteAsync(List<Pending> batch)
    {
        var now = _time.GetUtcNow();
        var live = new List<Pending>(batch.Count);
        foreach (var pending in batch)
        {
            if (pending.CancellationToken.IsCancellationRequested || pending.Deadline <= now)
            {
                _metrics.Expired();
                _expired?.Invoke(pending.Request, pending.Arrived[0]);
                pending.Completion.TrySetException(new InferenceException(
                    InferenceError.DeadlineExceeded, $"deadline passed while queued for model '{pending.Request.ModelName}'; the request was not run"));
            }
            else
            {
                live.Add(pending);
            }
        }
        if (live.Count == 0)
        {
            return;
        }
        using var span = StartBatchSpan(live);
        if (live.Count == 1)
        {
            // Nothing arrived within the queue delay: it runs on its own and counts as unbatched.
            _metrics.Unbatched();
            await RunAloneAsync(live[0]).ConfigureAwait(false);
            return;
        }

        var requests = live.Select(p => p.Request).ToList();
        ModelInferResponse[] responses;
        try
        {
            var merged = BatchMerge.Merge(requests);
            var batched = await _infer(merged, [.. live.Select(p => p.Arrived[0])], CancellationToken.None).ConfigureAwait(false);
            responses = BatchMerge.Split(batched, requests);
        }
        catch (Exception)
        {
            // One bad request must not fail its neighbours, and nothing may escape into the loop (it would
            // stop, and every later request for the model would wait forever): run each alone, so each
            // gets its own answer or error.
            foreach (var pending in live)
            {
                _metrics.Unbatched();
                await RunAloneAsync(pending).ConfigureAwait(false);
            }
            return;
        }
        _metrics.BatchRun(live.Count, (int)live.Sum(p => p.Rows));
        for (var i = 0; i < live.Count; i++)
        {
            live[i].Completion.TrySetResult(responses[i]);
        }
    }

    /// <summary>
    /// The batch's own span, linked to each request's wait span, and each wait span linked back to it, so either
    /// trace leads to the other (see <see cref="HubActivities.StartBatch"/> for why it is not a child).
    /// </summary>
    private static Activity? StartBatchSpan(List<Pending> live)
    {
        var span = HubActivities.StartBatch(live[0].Request.ModelName, live.Select(p => p.Queued?.Context ?? default), (int)live.Sum(p => p.Rows));
        if (span is not null)
        {
            foreach (var pending in live)
            {
                pending.Queued?.AddLink(new ActivityLink(span.Context));
                pending.Queued?.SetTag(TraceTags.BatchSize, live.Count);
            }
        }
        return span;
    }

    private async Task RunAloneAsync(Pending pending)
    {
        try
        {
            pending.Completion.TrySetResult(await _infer(pending.Request, pending.Arrived, pending.CancellationToken).ConfigureAwait(false));
        }
        catch (Exception e)
        {
            pending.Completion.TrySetException(e);
        }
    }

    /// <param name="Arrived">When it was queued, as the one-element list the host's statistics take.</param>
    /// <param name="Queued">The request's span for its wait here (null when tracing is off).</param>
    private sealed record Pending(ModelInferRequest Request, string Key, long Rows, DateTimeOffset? Deadline, long[] Arrived, Activity? Queued, CancellationToken CancellationToken)
    {
        public TaskCompletionSource<ModelInferResponse> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Fail() => Completion.TrySetException(new InferenceException(InferenceError.Unavailable, ShuttingDown));
    }
}
