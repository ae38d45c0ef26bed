using System.Diagnostics;
using EdgeAi.Common.Inference;
using EdgeAi.Serving;
using EdgeAi.Serving.Protocol;

namespace EdgeAi.Agent.Telemetry;

/// <summary>
/// Wraps the router: times every inference, records who served it and why, and hands sampled
/// requests to the outbox as inference records. Readiness and metadata pass straight through.
/// </summary>
internal sealed class MeteredBackend(IInferenceBackend inner, InferenceMetrics metrics, InferenceSampler sampler) : IInferenceBackend
{
    public bool IsReady => inner.IsReady;

    public Task<bool> IsModelReadyAsync(string name, string? version, CancellationToken cancellationToken) =>
        inner.IsModelReadyAsync(name, version, cancellationToken);

    public Task<ModelMetadataResponse> GetModelMetadataAsync(string name, string? version, CancellationToken cancellationToken) =>
        inner.GetModelMetadataAsync(name, version, cancellationToken);

    public async Task<ModelInferResponse> InferAsync(ModelInferRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await inner.InferAsync(request, cancellationToken).ConfigureAwait(false);
            var p = response.Parameters;
            Record(new InferenceOutcome(
                request.ModelName,
                response.ModelVersion,
                p.GetString(InferenceParameters.ServedBy),
                p.GetString(InferenceParameters.FallbackReason),
                p.GetString(InferenceParameters.ExecutionProvider),
                Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                null));
            return response;
        }
        catch (InferenceException e)
        {
            Record(new InferenceOutcome(request.ModelName, request.ModelVersion, null, null, null, Stopwatch.GetElapsedTime(started).TotalMilliseconds, e.GrpcStatus.ToString()));
            throw;
        }
        catch (OperationCanceledException)
        {
            Record(new InferenceOutcome(request.ModelName, request.ModelVersion, null, null, null, Stopwatch.GetElapsedTime(started).TotalMilliseconds, "Cancelled"));
            throw;
        }
    }

    private void Record(in InferenceOutcome outcome)
    {
        metrics.Record(outcome);
        sampler.Offer(outcome);
    }
}
