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
    /// Triton's load takes a model configuration and files ("config", "file:..."): neither applies to a store of
    /// ONNX files, and ignoring one would load something else than asked. Its unload takes "unload_dependents"
    /// (ensembles), which Triton's clients always send: no model here has dependents, so either value means the same.
    /// </summary>
    private static void RefuseParameters(Google.Protobuf.Collections.MapField<string, ModelRepositoryParameter> parameters, string what)
    {
        foreach (var (name, value) in parameters)
        {
            if (what == "unload" && name == RepositoryParameters.UnloadDependents)
            {
                if (value.ParameterChoiceCase != ModelRepositoryParameter.ParameterChoiceOneofCase.BoolParam)
                {
                    throw InferenceException.Invalid($"'{name}' must be a bool_param, got {value.ParameterChoiceCase}");
                }
                continue;
            }
            throw InferenceException.Invalid(RepositoryParameters.Unsupported(what, name));
        }
    }
}
