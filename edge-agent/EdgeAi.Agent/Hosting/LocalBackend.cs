using EdgeAi.Common.Inference;
using EdgeAi.Serving;
using EdgeAi.Serving.Protocol;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;

namespace EdgeAi.Agent.Hosting;

/// <summary>Serves every request on the device's own model host.</summary>
internal sealed class LocalBackend : IInferenceBackend
{
    private readonly ModelHost _host;
    private readonly ModelLoader _loader;

    public LocalBackend(ModelHost host, ModelLoader loader)
    {
        _host = host;
        _loader = loader;
    }

    public bool IsReady => _loader.InitialLoadDone;

    public bool IsModelReady(string name, string? version) => _host.Resolve(name, version).State == ModelState.Ready;

    public ModelMetadataResponse GetModelMetadata(string name, string? version) => _host.GetMetadata(name, version);

    public async Task<ModelInferResponse> InferAsync(ModelInferRequest request, CancellationToken cancellationToken)
    {
        var response = await _host.InferAsync(request, cancellationToken).ConfigureAwait(false);
        response.Parameters.Set(InferenceParameters.ServedBy, "local");
        return response;
    }
}
