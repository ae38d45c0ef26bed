using EdgeAi.Common.Inference;
using EdgeAi.Serving.Repository;
using Grpc.Core;

namespace EdgeAi.Serving.Protocol;

/// <summary>The model repository extension over gRPC: RepositoryIndex, RepositoryModelLoad, RepositoryModelUnload.</summary>
public sealed partial class GrpcInferenceEndpoint
{
    public override Task<RepositoryIndexResponse> RepositoryIndex(RepositoryIndexRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        return Guard(() => Task.FromResult(ModelRepository.Index(context.GetHttpContext().RequestServices, request.RepositoryName, request.Ready)));
    }

    public override Task<RepositoryModelLoadResponse> RepositoryModelLoad(RepositoryModelLoadRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        return Guard(() =>
        {
            RefuseParameters(request.Parameters, "load");
            ModelRepository.Load(context.GetHttpContext(), request.RepositoryName, request.ModelName);
            return Task.FromResult(new RepositoryModelLoadResponse());
        });
    }

    public override Task<RepositoryModelUnloadResponse> RepositoryModelUnload(RepositoryModelUnloadRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        return Guard(() =>
        {
            RefuseParameters(request.Parameters, "unload");
            ModelRepository.Unload(context.GetHttpContext(), request.RepositoryName, request.ModelName);
            return Task.FromResult(new RepositoryModelUnloadResponse());
        });
    }

    /// <summary>
    /// Triton's load takes a model configuration and files ("config", "file:..."), its unload "unload_dependents"
    /// (ensembles): none applies to a store of ONNX files, and ignoring one would do something else than asked.
    /// </summary>
    private static void RefuseParameters(Google.Protobuf.Collections.MapField<string, ModelRepositoryParameter> parameters, string what)
    {
        if (parameters.Count > 0)
        {
            throw InferenceException.Invalid(
                $"{what} parameters are not supported (got {string.Join(", ", parameters.Keys.Order(StringComparer.Ordinal))}): models load from the model store as installed");
        }
    }
}
