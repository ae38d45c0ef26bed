using EdgeAi.Serving.Store;

namespace EdgeAi.Agent.Pipelines;

/// <summary>
/// Once the models on disk are loaded, checks every pipeline against its model and logs where each stands, so a
/// pipeline that does not fit its model is reported at start, not at its first request.
/// </summary>
internal sealed class PipelineStartupCheck(PipelineCatalog catalog, ModelLoader loader, ILogger<PipelineStartupCheck> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (catalog.All.Count == 0)
        {
            return;
        }
        await loader.InitialLoad.WaitAsync(stoppingToken).ConfigureAwait(false);
        foreach (var status in catalog.Describe())
        {
            PipelinesLog.State(logger, status.Name, status.Model, status.State.ToString().ToLowerInvariant(), status.Reason is null ? "" : $" ({status.Reason})");
        }
    }
}
