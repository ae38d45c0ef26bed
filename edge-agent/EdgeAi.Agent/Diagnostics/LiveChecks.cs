using EdgeAi.Agent.Cloud;
using EdgeAi.Agent.Gpio;
using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Serving.Diagnostics;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Diagnostics;

/// <summary>
/// The checks of <c>edge-agent check</c> that the running agent can run on itself without disturbing what it
/// runs, in the report's order; <see cref="Skipped"/> are the others, and why they are left out.
/// </summary>
internal static class LiveChecks
{
    /// <summary>Left out in the running agent: the broker probe connects with this device's client id (the broker would drop the agent's own session); the model probe loads a second copy of every model beside the live sessions.</summary>
    public static readonly IReadOnlyList<string> Skipped = [BrokerCheck.Id, ModelLoadCheck.Id];

    public static IEnumerable<(string, IDiagnosticCheck)> For(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var agent = services.GetRequiredService<IOptions<AgentOptions>>().Value;
        yield return (ConfigurationCheck.Id, new ConfigurationCheck(services, "Agent, ModelHost, Cloud, Uplink, Outbox, Routing, Telemetry, Gpio, Rules, Pipelines, …",
            "correct the key named above in appsettings.json, an EDGEAI_ environment variable or the hub's desired configuration"));
        yield return ("data-directory", new DataDirectoryCheck("data-directory", agent.DataDirectory, "set Agent:DataDirectory or pass --data-dir"));
        yield return (IdentityCheck.Id, new IdentityCheck(agent.DataDirectory));
        // Read-only, page by page, sharing the file with the live outbox (OutboxFileReader).
        yield return (OutboxCheck.Id, new OutboxCheck(Path.Combine(agent.DataDirectory, services.GetRequiredService<IOptions<OutboxOptions>>().Value.FileName)));
        yield return (GpioCheck.Id, new GpioCheck(services.GetRequiredService<IOptions<GpioOptions>>().Value));
        yield return (HubCheck.Id, new HubCheck(services.GetRequiredService<IOptions<CloudOptions>>().Value, services.GetRequiredService<TimeProvider>()));
    }
}
