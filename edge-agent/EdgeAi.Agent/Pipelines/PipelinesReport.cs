using EdgeAi.Agent.SyncDown;
using EdgeAi.Common.Sync;

namespace EdgeAi.Agent.Pipelines;

/// <summary>The pipelines in the reported state (<c>ReportedState.pipelines</c>): each with its model and where it stands.</summary>
internal sealed class PipelinesReportSource(PipelineCatalog pipelines) : IReportedStateSource
{
    public void AddTo(ReportedState reported)
    {
        ArgumentNullException.ThrowIfNull(reported);
        foreach (var p in pipelines.Describe())
        {
            reported.Pipelines.Add(new ReportedPipeline
            {
                Name = p.Name,
                Model = p.Model,
                ModelVersion = p.ModelVersion ?? "",
                State = p.State.ToString().ToLowerInvariant(),
                Reason = p.Reason ?? "",
            });
        }
    }
}
