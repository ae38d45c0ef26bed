using System.Globalization;
using EdgeAi.Agent.Routing;
using EdgeAi.Common.Inference;
using EdgeAi.Serving;
using EdgeAi.Serving.Protocol;

namespace EdgeAi.Agent.Pipelines;

/// <summary>
/// What the protocol endpoints serve: a request for a pipeline's name runs the pipeline (image in, decode → resize
/// → normalize → the model through the <see cref="Router"/> → post-processing), any other goes straight to the
/// router. So a pipeline is called like a model (as Triton serves an ensemble), and its model step gets
/// local-first, cloud fallback and deadlines as any request does: for a model only the hub has, the hub receives
/// the tensor, not the image. A pipeline shadows a model of the same name.
/// </summary>
internal sealed class PipelineBackend(Router router, PipelineCatalog catalog, TimeProvider time) : IInferenceBackend
{
    public const string Platform = "ensemble";

    public bool IsReady => router.IsReady;

    public async Task<bool> IsModelReadyAsync(string name, string? version, CancellationToken cancellationToken)
    {
        if (!catalog.TryGet(name, out var pipeline))
        {
            return await router.IsModelReadyAsync(name, version, cancellationToken).ConfigureAwait(false);
        }
        try
        {
            await catalog.PlanAsync(pipeline, version, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PipelineNotReadyException)
        {
            return false;
        }
    }

    public async Task<ModelMetadataResponse> GetModelMetadataAsync(string name, string? version, CancellationToken cancellationToken)
    {
        if (!catalog.TryGet(name, out var pipeline))
        {
            return await router.GetModelMetadataAsync(name, version, cancellationToken).ConfigureAwait(false);
        }
        var metadata = new ModelMetadataResponse { Name = name, Platform = Platform };
        metadata.Inputs.Add(Tensor(ImageInput.Name, TensorDatatype.Bytes, 1));
        metadata.Parameters.Set(PipelineParameters.Pipeline, name);
        metadata.Parameters.Set("edgeai.model", pipeline.Options.Model);
        PipelinePlan? plan = null;
        try
        {
            plan = await catalog.PlanAsync(pipeline, version, cancellationToken).ConfigureAwait(false);
            metadata.Parameters.Set("edgeai.state", "READY");
        }
        catch (PipelineNotReadyException e)
        {
            metadata.Parameters.Set("edgeai.state", e.State.ToString().ToUpperInvariant());
            metadata.Parameters.Set("edgeai.failure_reason", e.Message);
        }
        var post = pipeline.Options.Post;
        if (post.Enabled)
        {
            // k: the top-k, as many as there are classes at most; unknown (-1) under a threshold, which keeps fewer.
            var k = post.Threshold is not null ? -1
                : post.TopK == 0 ? plan?.Classes ?? -1
                : plan?.Classes is { } classes ? Math.Min(post.TopK, classes) : post.TopK;
            metadata.Outputs.Add(Tensor(ClassScores.LabelsOutput, TensorDatatype.Bytes, 1, k));
            metadata.Outputs.Add(Tensor(ClassScores.ScoresOutput, TensorDatatype.Fp32, 1, k));
            metadata.Outputs.Add(Tensor(ClassScores.IndicesOutput, TensorDatatype.Int64, 1, k));
        }
        else if (plan is not null)
        {
            // The model's own outputs, as the model describes them.
            var outputs = pipeline.LocalOutputs?.Select(o => o.ToMetadata()) ?? pipeline.HubMetadata?.Outputs ?? [];
            metadata.Outputs.Add(outputs);
        }
        return metadata;
    }

    public async Task<ModelInferResponse> InferAsync(ModelInferRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!catalog.TryGet(request.ModelName, out var pipeline))
        {
            return await router.InferAsync(request, cancellationToken).ConfigureAwait(false);
        }
        // The deadline covers the whole pipeline: what pre-processing spends, the model step does not get.
        var deadline = request.Parameters.GetDeadline() is { } budget ? time.GetUtcNow() + budget : (DateTimeOffset?)null;
        // The caller's route is checked here, before the image costs anything: from the model step a refusal reads as the pipeline's fault.
        _ = RouteRules.Policy(request.Parameters.GetString(InferenceParameters.Route), RoutePolicies.LocalFirst);
        var encoded = ImageInput.Read(pipeline.Name, request, pipeline.Options.Limits.MaxEncodedBytes);
        var (tensor, took) = pipeline.Preprocess(encoded.Span);
        PipelinePlan plan;
        try
        {
            plan = await catalog.PlanAsync(pipeline, EmptyAsNull(request.ModelVersion), cancellationToken).ConfigureAwait(false);
        }
        catch (PipelineNotReadyException e)
        {
            // A version the caller asked for that is nowhere is their mistake; the pipeline's own model missing is not.
            throw new InferenceException(
                e.State == PipelineState.Waiting && request.ModelVersion.Length > 0 ? InferenceError.NotFound : InferenceError.Unavailable, e.Message);
        }
        var modelRequest = pipeline.ModelRequest(request, plan, tensor);
        if (deadline is { } due)
        {
            var left = due - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                throw new InferenceException(
                    InferenceError.DeadlineExceeded, $"pipeline '{pipeline.Name}': the deadline passed while the image was pre-processed ({took.TotalMilliseconds:0.#} ms); the model was not run");
            }
            modelRequest.Parameters.SetDeadline(left);
        }
        ModelInferResponse answer;
        try
        {
            answer = await router.InferAsync(modelRequest, cancellationToken).ConfigureAwait(false);
        }
        catch (InferenceException e) when (e.Error == InferenceError.NotFound && CallerChoseTheModelStep(request))
        {
            // The caller picked the version or the route (edgeai.route=local for a model only the hub has): theirs to change.
            throw new InferenceException(InferenceError.NotFound, $"pipeline '{pipeline.Name}': its model step found nothing for what the request asked: {e.Message}");
        }
        catch (InferenceException e) when (e.Error is InferenceError.NotFound or InferenceError.InvalidArgument or InferenceError.ModelRejected)
        {
            // The caller sent an image, not this tensor: a model that refuses it is the pipeline's problem, not the caller's.
            throw new InferenceException(InferenceError.Unavailable, $"pipeline '{pipeline.Name}': its model step failed: {e.Message}");
        }
        var response = pipeline.Respond(request, answer, plan);
        response.Parameters[PipelineParameters.PreprocessMs] = new InferParameter { DoubleParam = Math.Round(took.TotalMilliseconds, 3) };
        return response;
    }

    private static ModelMetadataResponse.Types.TensorMetadata Tensor(string name, TensorDatatype datatype, params long[] shape)
    {
        var tensor = new ModelMetadataResponse.Types.TensorMetadata { Name = name, Datatype = datatype.ToName() };
        tensor.Shape.Add(shape);
        return tensor;
    }

    private static bool CallerChoseTheModelStep(ModelInferRequest request) =>
        request.ModelVersion.Length > 0 || request.Parameters.ContainsKey(InferenceParameters.Route);

    private static string? EmptyAsNull(string value) => string.IsNullOrEmpty(value) ? null : value;
}
