using System.Collections.Concurrent;
using EdgeAi.Common.Inference;
using EdgeAi.Serving;
using EdgeAi.Serving.Protocol;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Batching;

/// <summary>
/// The hub's inference backend: the model host, with dynamic batching for models whose inputs and
/// outputs all have a dynamic first dimension. Requests that cannot be merged (typed contents,
/// BYTES tensors, batching off) run on their own.
/// </summary>
internal sealed class BatchingBackend : IInferenceBackend, IAsyncDisposable
{
    private readonly ModelHost _host;
    private readonly ModelLoader _loader;
    private readonly BatchingOptions _options;
    private readonly BatchingMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ModelBatcher> _batchers = new(StringComparer.Ordinal);

    public BatchingBackend(ModelHost host, ModelLoader loader, IOptions<BatchingOptions> options, BatchingMetrics metrics, TimeProvider time)
    {
        _host = host;
        _loader = loader;
        _options = options.Value;
        _metrics = metrics;
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
            var batcher = _batchers.GetOrAdd(request.ModelName, _ => new ModelBatcher(_host, _metrics, _time, maxRows, delay));
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

    public async ValueTask DisposeAsync()
    {
        foreach (var batcher in _batchers.Values)
        {
            await batcher.DisposeAsync().ConfigureAwait(false);
        }
        _batchers.Clear();
    }
}
