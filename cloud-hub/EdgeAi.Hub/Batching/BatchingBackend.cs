using System.Collections.Concurrent;
using EdgeAi.Common.Inference;
using EdgeAi.Hub.Tracing;
using EdgeAi.Serving;
using EdgeAi.Serving.Hosting;
using EdgeAi.Serving.Protocol;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Batching;

/// <summary>
/// The hub's inference backend: the model host, with dynamic batching for models whose inputs and
/// outputs all have a dynamic first dimension. Requests that cannot be merged (typed contents,
/// BYTES tensors, batching off) run on their own. Each model's batcher is made on its first request;
/// its loop runs under the <see cref="LoopSupervisor"/> for as long as the host runs this service,
/// and stopping ends the loops and fails what still waits.
/// </summary>
internal sealed class BatchingBackend : IInferenceBackend, IHostedService, IDisposable
{
    private readonly ModelHost _host;
    private readonly ModelLoader _loader;
    private readonly BatchingOptions _options;
    private readonly BatchingMetrics _metrics;
    private readonly LoopSupervisor _supervisor;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, Lazy<Running>> _batchers = new(StringComparer.Ordinal);

    public BatchingBackend(ModelHost host, ModelLoader loader, IOptions<BatchingOptions> options, BatchingMetrics metrics, LoopSupervisor supervisor, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _host = host;
        _loader = loader;
        _options = options.Value;
        _metrics = metrics;
        _supervisor = supervisor;
        _time = time;
    }

    public bool IsReady => _loader.InitialLoadDone;

    public Task<bool> IsModelReadyAsync(string name, string? version, CancellationToken cancellationToken) =>
        Task.FromResult(_host.Resolve(name, version).State == ModelState.Ready);

    public Task<ModelMetadataResponse> GetModelMetadataAsync(string name, string? version, CancellationToken cancellationToken) =>
        Task.FromResult(_host.GetMetadata(name, version));

    public async Task<ModelInferResponse> InferAsync(ModelInferRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Validated and at most a day, so adding it to now cannot overflow.
        var deadline = _time.GetUtcNow() + request.Parameters.GetDeadline();
        var instance = _host.Resolve(request.ModelName, request.ModelVersion);
        var (enabled, maxRows, delay) = _options.For(request.ModelName);
        ModelInferResponse response;
        if (enabled && instance.State == ModelState.Ready && BatchMerge.CanBatch(instance.Inputs, instance.Outputs, request, maxRows))
        {
            // Pin the version so requests for "newest" and for its number share a batch and a swap cannot split one.
            request.ModelVersion = instance.Version;
            var batcher = BatcherFor(request.ModelName, maxRows, delay);
            if (_stopping.IsCancellationRequested)
            {
                throw new InferenceException(InferenceError.Unavailable, ModelBatcher.ShuttingDown);
            }
            using var queued = HubActivities.StartQueued(request.ModelName);
            response = await batcher.EnqueueAsync(request, deadline, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            if (deadline <= _time.GetUtcNow())
            {
                _metrics.Expired();
                throw new InferenceException(InferenceError.DeadlineExceeded, $"deadline passed before model '{request.ModelName}' could run; the request was not run");
            }
            _metrics.Unbatched();
            response = await _host.InferAsync(request, cancellationToken).ConfigureAwait(false);
        }
        response.Parameters.Set(InferenceParameters.ServedBy, "cloud");
        return response;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Ends every batcher's loop (a batch being gathered still runs), then fails what is still queued.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        var running = _batchers.Values.Select(b => b.Value).ToList();
        try
        {
            await Task.WhenAll(running.Select(r => r.Loop)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            running.ForEach(r => r.Batcher.Close());
        }
    }

    public void Dispose() => _stopping.Dispose();

    private ModelBatcher BatcherFor(string model, int maxRows, TimeSpan delay) =>
        _batchers.GetOrAdd(model, name => new Lazy<Running>(() =>
        {
            var batcher = new ModelBatcher(_host.InferAsync, _metrics, _time, maxRows, delay, (request, arrived) => _host.RecordNotRun(request.ModelName, request.ModelVersion, arrived));
            return new Running(batcher, _supervisor.RunAsync($"batcher {name}", batcher.RunAsync, _stopping.Token));
        })).Value.Batcher;

    private sealed record Running(ModelBatcher Batcher, Task Loop);
}
