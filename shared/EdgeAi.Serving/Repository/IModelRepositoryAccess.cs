using Microsoft.AspNetCore.Http;

namespace EdgeAi.Serving.Repository;

/// <summary>
/// Who may change what a server loads (the model repository extension's load and unload). A server
/// without one lets every caller that reached the endpoint do it (the agent, whose listener is the
/// device's own); the hub registers one that keeps devices from unloading a model for the whole fleet.
/// </summary>
public interface IModelRepositoryAccess
{
    /// <summary>Null when the caller may load and unload models; else why not, naming what is needed.</summary>
    string? RefuseChange(HttpContext context);
}
