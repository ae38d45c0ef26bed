using EdgeAi.Common.Inference;

namespace EdgeAi.Serving;

/// <summary>
/// What the Open Inference Protocol endpoints (gRPC and REST) serve. The agent's router, the hub's
/// batching host and the plain model host all implement it, so one protocol implementation serves all.
/// Failures are reported by throwing <see cref="InferenceException"/>.
/// </summary>
public interface IInferenceBackend
{
    bool IsReady { get; }

    /// <summary>Whether the model (and version, when given) is loaded and serving. Unknown models throw NotFound.</summary>
    Task<bool> IsModelReadyAsync(string name, string? version, CancellationToken cancellationToken);

    Task<ModelMetadataResponse> GetModelMetadataAsync(string name, string? version, CancellationToken cancellationToken);

    Task<ModelInferResponse> InferAsync(ModelInferRequest request, CancellationToken cancellationToken);
}
