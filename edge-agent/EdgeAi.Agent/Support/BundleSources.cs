using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Logging;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Support;

/// <summary>Who made a bundle: the CLI as a process of its own, or the running agent (at the hub's request).</summary>
internal enum BundleMaker
{
    Cli,
    Agent,
}

/// <summary>A check left out of the bundle, and why.</summary>
internal sealed record SkippedCheck(string Id, string Reason);

/// <summary>
/// Everything a support bundle is made from. The running agent adds its open outbox and model host (depths,
/// oldest ages, loaded providers); the CLI reads the outbox file and the model store from disk instead.
/// </summary>
internal sealed record BundleSources(
    BundleMaker Maker,
    string? RequestId,
    string DeviceId,
    string DataDirectory,
    IConfiguration Configuration,
    IReadOnlyList<CheckResult> Checks,
    IReadOnlyList<SkippedCheck> SkippedChecks,
    string OutboxPath,
    ModelStore Models,
    string LogDirectory,
    int LogFiles)
{
    /// <summary>The running agent's outbox; null in a bundle made by the CLI (the file is read instead).</summary>
    public DurableOutbox? LiveOutbox { get; init; }

    /// <summary>The running agent's model host; null in a bundle made by the CLI.</summary>
    public ModelHost? LiveHost { get; init; }
}

/// <summary>Where a bundle's sources come from: a built (not necessarily started) agent host, or only the files on disk.</summary>
internal static class BundleSourcesOf
{
    /// <summary>From the agent's services: its options, model store and, in the running agent, its outbox and model host.</summary>
    public static BundleSources Services(IServiceProvider services, BundleMaker maker, string? requestId, IReadOnlyList<CheckResult> checks, IReadOnlyList<SkippedCheck> skipped)
    {
        ArgumentNullException.ThrowIfNull(services);
        var agent = services.GetRequiredService<IOptions<AgentOptions>>().Value;
        var logs = services.GetRequiredService<IOptions<FileLogOptions>>().Value;
        var outbox = services.GetRequiredService<IOptions<OutboxOptions>>().Value;
        return new BundleSources(maker, requestId, agent.DeviceId, agent.DataDirectory, services.GetRequiredService<IConfiguration>(), checks, skipped,
            Path.Combine(agent.DataDirectory, outbox.FileName), services.GetRequiredService<ModelStore>(), logs.DirectoryUnder(agent.DataDirectory), logs.MaxFiles)
        {
            LiveOutbox = maker == BundleMaker.Agent ? services.GetRequiredService<DurableOutbox>() : null,
            LiveHost = maker == BundleMaker.Agent ? services.GetRequiredService<ModelHost>() : null,
        };
    }

    /// <summary>With a configuration the host cannot be built from: the local files and the defaults.</summary>
    public static BundleSources Disk(IConfiguration configuration, string dataDirectory, IReadOnlyList<CheckResult> checks)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var logs = new FileLogOptions { Directory = configuration["Agent:Logs:Directory"] };
        var outboxFile = configuration["Outbox:FileName"] is { Length: > 0 } name ? name : new OutboxOptions().FileName;
        return new BundleSources(BundleMaker.Cli, null, configuration["Agent:DeviceId"] ?? AgentOptions.DefaultDeviceId(), dataDirectory, configuration, checks, [],
            Path.Combine(dataDirectory, outboxFile), new ModelStore(Path.Combine(dataDirectory, "models"), TimeProvider.System),
            logs.DirectoryUnder(dataDirectory), 10);
    }
}
