using EdgeAi.Common.Inference;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelIndex = EdgeAi.Common.Inference.RepositoryIndexResponse.Types.ModelIndex;

namespace EdgeAi.Serving.Repository;

/// <summary>
/// The model repository extension over the model store and the model host: the index of every version
/// either holds, with Triton's states, and load and unload on request (through the <see cref="ModelLoader"/>,
/// so its rescans respect them). The one repository is the model store; a request naming another is NOT_FOUND.
/// </summary>
internal static class ModelRepository
{
    public const string Ready = "READY";
    public const string Unavailable = "UNAVAILABLE";
    public const string Loading = "LOADING";

    public static RepositoryIndexResponse Index(IServiceProvider services, string? repository, bool readyOnly)
    {
        CheckRepository(repository);
        var loader = services.GetRequiredService<ModelLoader>();
        var host = services.GetRequiredService<ModelHost>();
        var loaded = host.Models.ToDictionary(m => (m.Name, m.Version));
        var entries = new Dictionary<(string Name, string Version), ModelIndex>();
        foreach (var stored in loader.Store.List())
        {
            entries[(stored.Name, stored.Version)] = loaded.TryGetValue((stored.Name, stored.Version), out var instance)
                ? Entry(instance)
                : new ModelIndex { Name = stored.Name, Version = stored.Version, State = Unavailable, Reason = NotLoadedReason(loader, host, stored) };
        }
        foreach (var instance in loaded.Values.Where(i => !entries.ContainsKey((i.Name, i.Version))))
        {
            entries[(instance.Name, instance.Version)] = Entry(instance);
        }
        var response = new RepositoryIndexResponse();
        response.Models.AddRange(entries.Values
            .Where(e => !readyOnly || e.State == Ready)
            .OrderBy(e => e.Name, StringComparer.Ordinal).ThenBy(e => e.Version, ModelVersions.Comparer));
        return response;
    }

    /// <summary>Loads or reloads a model; throws Unavailable with the reasons when no version of it came up ready.</summary>
    public static void Load(HttpContext context, string? repository, string name)
    {
        CheckChange(context, repository, name, "load");
        var loaded = context.RequestServices.GetRequiredService<ModelLoader>().LoadByRequest(name);
        if (!loaded.Any(m => m.State == ModelState.Ready))
        {
            throw new InferenceException(
                InferenceError.Unavailable,
                $"failed to load model '{name}': {string.Join("; ", loaded.Select(m => $"version {m.Version}: {m.FailureReason}"))}");
        }
    }

    public static void Unload(HttpContext context, string? repository, string name)
    {
        CheckChange(context, repository, name, "unload");
        context.RequestServices.GetRequiredService<ModelLoader>().UnloadByRequest(name);
    }

    private static void CheckChange(HttpContext context, string? repository, string name, string what)
    {
        CheckRepository(repository);
        if (string.IsNullOrEmpty(name))
        {
            throw InferenceException.Invalid($"model_name is empty; name the model to {what}");
        }
        if (context.RequestServices.GetService<IModelRepositoryAccess>()?.RefuseChange(context) is { } refusal)
        {
            throw new InferenceException(InferenceError.PermissionDenied, refusal);
        }
    }

    private static void CheckRepository(string? repository)
    {
        if (!string.IsNullOrEmpty(repository))
        {
            throw new InferenceException(
                InferenceError.NotFound,
                $"unknown repository '{repository}'; this server has one, its model store: leave repository_name empty");
        }
    }

    private static ModelIndex Entry(ModelInstance instance) => new()
    {
        Name = instance.Name,
        Version = instance.Version,
        State = instance.State switch
        {
            ModelState.Ready => Ready,
            ModelState.Loading => Loading,
            _ => Unavailable,
        },
        Reason = instance.State == ModelState.Ready ? "" : instance.FailureReason ?? "",
    };

    private static string NotLoadedReason(ModelLoader loader, ModelHost host, StoredModel stored)
    {
        if (stored.Error is { } error)
        {
            return error;
        }
        if (loader.IsUnloadedByRequest(stored.Name))
        {
            return ModelLoader.UnloadedReason;
        }
        var active = loader.Store.ReadActive(stored.Name);
        if (active is { Length: 0 })
        {
            return "deactivated by its fleet deployment";
        }
        if (active is not null && active != stored.Version)
        {
            return $"installed, not the active version (version {active} serves)";
        }
        return host.VersionsOf(stored.Name).Count == 0 && !loader.InitialLoadDone ? "not loaded yet" : "installed, not loaded";
    }
}
