using EdgeAi.Agent.Pipelines;
using EdgeAi.Agent.Uplink;
using EdgeAi.Serving;
using EdgeAi.Serving.Hosting;
using EdgeAi.Serving.Runtime;

namespace EdgeAi.Agent.Gpio;

/// <summary>When rules last fired and failed; the rules engine provides it (indicators show it).</summary>
internal interface IRuleActivity
{
    DateTimeOffset? LastFired(string? rule);

    DateTimeOffset? LastFailure { get; }
}

/// <summary>
/// The agent's states as indicators see them: the uplink's connection, the model host's models and queues,
/// the rules' activity, and background-loop restarts (an error, from when the restart count last grew).
/// A model-ready indicator may name a pipeline: it is ready when the pipeline's model is on the device and fits it.
/// </summary>
internal sealed class AgentIndicatorState(UplinkState uplink, ModelHost host, PipelineCatalog? pipelines, LoopSupervisor loops, TimeProvider time, IRuleActivity rules)
    : IIndicatorState
{
    private long _restarts;
    private DateTimeOffset? _lastRestart;

    public bool HubConnected => uplink.Connected;

    public bool InferenceRunning => host.Models.Any(m => m.QueueDepth > 0);

    public bool ModelReady(string model)
    {
        if (pipelines?.Status(model) is { } pipeline)
        {
            return pipeline.State == PipelineState.Ready;
        }
        try
        {
            return host.Resolve(model, null).State == ModelState.Ready;
        }
        catch (InferenceException)
        {
            return false; // not installed
        }
    }

    public DateTimeOffset? LastRuleFired(string? rule) => rules.LastFired(rule);

    public DateTimeOffset? LastError
    {
        get
        {
            var now = time.GetUtcNow();
            var restarts = loops.Restarts.Sum(r => r.Value);
            if (restarts != Interlocked.Exchange(ref _restarts, restarts))
            {
                _lastRestart = now;
            }
            if (host.Models.Any(m => m.State == ModelState.Failed))
            {
                return now;
            }
            return (rules.LastFailure, _lastRestart) switch
            {
                (null, var restart) => restart,
                (var failure, null) => failure,
                (var failure, var restart) => failure > restart ? failure : restart,
            };
        }
    }
}
