using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.SyncDown;
using EdgeAi.Agent.Twin;

namespace EdgeAi.Agent.Hosting;

/// <summary>
/// What must hold before the agent serves, in the order it depends on. It runs in
/// <see cref="IHostedLifecycleService.StartingAsync"/>, which the host calls for every such service before it
/// starts any hosted service (the listeners and every loop included), so no registration order matters:
/// <list type="number">
/// <item>the outbox is open: it is this service's dependency, and opening is what produces it (checked, salvaged if damaged);</item>
/// <item>the start is reported, once per start (the loops below may restart, this does not);</item>
/// <item>the persisted desired configuration is in effect before the first request, hub or no hub.</item>
/// </list>
/// The reconcile loop waits on its own for the models on disk to be loaded (the model loader's initial load).
/// </summary>
internal sealed class AgentStartup(EventReporter events, DesiredStateStore desired, LiveConfig config) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        events.Report("agent_started", EventReporter.Info, $"edge agent {AgentHost.Version} started",
            new Dictionary<string, string>(StringComparer.Ordinal) { ["version"] = AgentHost.Version });
        if (desired.LoadProblem is { } problem)
        {
            events.Report("desired_state_unreadable", EventReporter.Warning, problem);
        }
        if (desired.Current is { } state)
        {
            config.Apply(state);
        }
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
