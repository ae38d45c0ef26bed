using System.Diagnostics;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Uplink;
using EdgeAi.Testing;
using EdgeAi.Testing.Hosts;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Bench.Sync;

/// <summary>One end-to-end drain: a backlog from the agent's outbox into the hub's store.</summary>
internal sealed record DrainResult(string Broker, int Records, TimeSpan Elapsed)
{
    public double RecordsPerSecond => Records / Elapsed.TotalSeconds;
}

/// <summary>
/// End-to-end drain: an agent whose outbox holds a backlog (written beforehand, as after a long time
/// offline) starts with its uplink pointed at the broker; timed from the uplink's connection until
/// the hub has stored the whole backlog (each record de-duplicated on (device, stream, epoch, seq)).
/// Agent and hub run in this process, as the integration tests run them.
/// </summary>
internal static class DrainScenario
{
    public const string DeviceId = "bench-device";

    /// <summary>How long any one wait of a drain may take (a million records drain in well under a minute).</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(10);

    public static async Task<DrainResult> RunAsync(string broker, string brokerUrl, SyncHub hub, string agentDirectory, int records, bool encrypted, CancellationToken cancellationToken)
    {
        // Encrypted: the backlog is written with the key the agent then finds in its data directory.
        var encryption = encrypted ? new OutboxEncryption(true, OutboxKeyFile.Create(Path.Combine(agentDirectory, OutboxKeyFile.FileName))) : null;
        EnqueueScenario.Fill(Path.Combine(agentDirectory, "outbox.db"), records, encryption: encryption);
        var already = hub.Ingest.RecordsStored;
        var settings = AgentSettings.For(agentDirectory, threads: 1);
        settings["Agent:DeviceId"] = DeviceId;
        settings["Cloud:DeviceKey"] = SyncHub.DeviceKey(DeviceId);
        settings["Uplink:BrokerUrl"] = brokerUrl;
        settings["Telemetry:Interval"] = "01:00:00";
        settings["Outbox:MaxTotalRecords"] = "100000000";
        settings["Outbox:Streams:inference:MaxRecords"] = "100000000";
        settings["Outbox:Encryption"] = encrypted ? "On" : "Off";
        var agent = new TestAgent(agentDirectory);
        try
        {
            await agent.StartWithAsync(settings, cancellationToken).ConfigureAwait(false);
            var uplink = agent.Services.GetRequiredService<UplinkState>();
            await Eventually.UntilAsync(() => Task.FromResult(uplink.Connected), "the uplink to connect", cancellationToken, Patience, every: TimeSpan.FromMilliseconds(1)).ConfigureAwait(false);
            var stopwatch = Stopwatch.StartNew();
            var outbox = agent.Services.GetRequiredService<DurableOutbox>();
            await Eventually.UntilAsync(() => Task.FromResult(outbox.TotalDepth == 0), "the outbox to drain", cancellationToken, Patience, every: TimeSpan.FromMilliseconds(10)).ConfigureAwait(false);
            // Everything the broker acknowledged (the backlog, the start event, the reported state) must be in the store:
            // with the embedded broker it already is; an external broker acknowledges before the hub has it.
            await hub.WaitForStoredAsync(already + uplink.RecordsSent, Patience, cancellationToken).ConfigureAwait(false);
            stopwatch.Stop();
            return uplink.Failures > 0
                ? throw new InvalidOperationException($"{broker}: the uplink failed {uplink.Failures} times during the drain")
                : new DrainResult(broker, records, stopwatch.Elapsed);
        }
        finally
        {
            await agent.DisposeAsync().ConfigureAwait(false);
        }
    }
}
