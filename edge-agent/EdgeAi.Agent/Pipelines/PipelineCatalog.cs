using EdgeAi.Agent.Cloud;
using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Routing;
using EdgeAi.Serving;
using EdgeAi.Serving.Runtime;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Pipelines;

/// <summary>A pipeline's state as the reported state and <c>models list</c> show it.</summary>
internal sealed record PipelineStatus(string Name, string Model, string? ModelVersion, PipelineState State, string? Reason);

/// <summary>
/// The configured pipelines, built on first use (labels files read then), and what each needs from its model:
/// the local instance when the device has it loaded, else the hub's metadata (kept <see cref="HubMetadataMaxAge"/>).
/// A misfit is logged once per model version it was found for.
/// </summary>
internal sealed class PipelineCatalog
{
    /// <summary>How long the hub's metadata for a pipeline's model is trusted before it is asked again.</summary>
    public static readonly TimeSpan HubMetadataMaxAge = TimeSpan.FromSeconds(30);

    private readonly Lazy<IReadOnlyDictionary<string, ImagePipeline>> _pipelines;
    private readonly ModelHost _host;
    private readonly Router _router;
    private readonly CloudClient _cloud;
    private readonly TimeProvider _time;
    private readonly ILogger<PipelineCatalog> _logger;
    private readonly HashSet<string> _logged = new(StringComparer.Ordinal);

    public PipelineCatalog(
        IOptions<PipelinesOptions> options, IOptions<AgentOptions> agent, ModelHost host, Router router, CloudClient cloud, TimeProvider time, ILogger<PipelineCatalog> logger)
    {
        _host = host;
        _router = router;
        _cloud = cloud;
        _time = time;
        _logger = logger;
        _pipelines = new(() => options.Value.Pipelines.ToDictionary(
            kv => kv.Key,
            kv => new ImagePipeline(kv.Key, kv.Value, kv.Value.Post.LabelsFile is { } file ? LabelsFile.Read(LabelsFile.Resolve(file, agent.Value.DataDirectory)) : null),
            StringComparer.Ordinal));
    }

    public IReadOnlyCollection<ImagePipeline> All => [.. _pipelines.Value.Values];

    public bool TryGet(string name, out ImagePipeline pipeline) => _pipelines.Value.TryGetValue(name, out pipeline!);

    /// <summary>
    /// The plan for a request: from the loaded local model, else (a hub configured) from the hub's metadata.
    /// Throws <see cref="PipelineNotReadyException"/> when the model is nowhere to be had or does not fit.
    /// </summary>
    public async Task<PipelinePlan> PlanAsync(ImagePipeline pipeline, string? version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var model = pipeline.Options.Model;
        version ??= pipeline.Options.ModelVersion;
        var local = Local(model, version);
        if (local is { State: ModelState.Ready })
        {
            return pipeline.PlanFor(local, Misfit);
        }
        if (!_cloud.Enabled)
        {
            throw new PipelineNotReadyException(PipelineState.Waiting, local is null
                ? $"pipeline '{pipeline.Name}' is not ready: its model '{model}'{Version(version)} is not installed on this device and no hub is configured"
                : $"pipeline '{pipeline.Name}' is not ready: its model '{model}' version {local.Version} is not ready ({local.FailureReason ?? "loading"}) and no hub is configured");
        }
        try
        {
            return await pipeline.PlanFromHubAsync(
                () => _router.GetModelMetadataAsync(model, version, cancellationToken), _time.GetUtcNow(), HubMetadataMaxAge, Misfit).ConfigureAwait(false);
        }
        catch (InferenceException e) when (e.Error is InferenceError.NotFound or InferenceError.Unavailable)
        {
            throw new PipelineNotReadyException(PipelineState.Waiting, $"pipeline '{pipeline.Name}' is not ready: {e.Message}");
        }
    }

    /// <summary>Each pipeline's state from what the device knows without asking the hub (for the reported state).</summary>
    public IReadOnlyList<PipelineStatus> Describe() =>
        [.. All.OrderBy(p => p.Name, StringComparer.Ordinal).Select(Describe)];

    /// <summary>Where the pipeline of this name stands; null when no pipeline has it (it may be a model's name).</summary>
    public PipelineStatus? Status(string name) => TryGet(name, out var pipeline) ? Describe(pipeline) : null;

    private PipelineStatus Describe(ImagePipeline pipeline)
    {
        var model = pipeline.Options.Model;
        var local = Local(model, pipeline.Options.ModelVersion);
        if (local is { State: ModelState.Ready })
        {
            try
            {
                pipeline.PlanFor(local, Misfit);
                return new PipelineStatus(pipeline.Name, model, local.Version, PipelineState.Ready, null);
            }
            catch (PipelineNotReadyException e)
            {
                return new PipelineStatus(pipeline.Name, model, local.Version, e.State, e.Message);
            }
        }
        return _cloud.Enabled
            ? new PipelineStatus(pipeline.Name, model, pipeline.Options.ModelVersion, PipelineState.Cloud, local is null ? "the model is served by the hub" : $"the device's copy is not ready: {local.FailureReason ?? "loading"}")
            : new PipelineStatus(pipeline.Name, model, pipeline.Options.ModelVersion, PipelineState.Waiting, local is null ? $"model '{model}' is not installed" : $"model '{model}' is not ready: {local.FailureReason ?? "loading"}");
    }

    private ModelInstance? Local(string model, string? version)
    {
        try
        {
            return _host.Resolve(model, version);
        }
        catch (InferenceException e) when (e.Error == InferenceError.NotFound)
        {
            return null;
        }
    }

    private void Misfit(string reason)
    {
        lock (_logged)
        {
            if (!_logged.Add(reason))
            {
                return;
            }
        }
        PipelinesLog.Misfit(_logger, reason);
    }

    private static string Version(string? version) => version is null ? "" : $" version {version}";
}
