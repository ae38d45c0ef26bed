using System.Diagnostics;
using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Uplink;
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

    public static async Task<DrainResult> RunAsync(string broker, string brokerUrl, SyncHub hub, string agentDirectory, int records, CancellationToken cancellationToken)
    {
        EnqueueScenario.Fill(Path.Combine(agentDirectory, "outbox.db"), records);
        var already = hub.Ingest.RecordsStored;
        var settings = AgentSettings.For(agentDirectory, threads: 1);
        settings["Agent:HttpPort"] = "0";
        settings["Agent:GrpcPort"] = "0";
        settings["Agent:DeviceId"] = DeviceId;
        settings["Cloud:DeviceKey"] = SyncHub.DeviceKey(DeviceId);
        settings["Uplink:BrokerUrl"] = brokerUrl;
        settings["Telemetry:Interval"] = "01:00:00";
        settings["Outbox:MaxTotalRecords"] = "100000000";
        settings["Outbox:Streams:inference:MaxRecords"] = "100000000";
        var agent = AgentHost.Build(settings);
        try
        {
            await agent.StartAsync(cancellationToken).ConfigureAwait(false);
            var uplink = agent.Services.GetRequiredService<UplinkState>();
            while (!uplink.Connected)
            {
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }
            var stopwatch = Stopwatch.StartNew();
            var outbox = agent.Services.GetRequiredService<DurableOutbox>();
            while (outbox.TotalDepth > 0)
            {
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }
            // Everything the broker acknowledged (the backlog, the start event, the reported state) must be in the store:
            // with the embedded broker it already is; an external broker acknowledges before the hub has it.
            await hub.WaitForStoredAsync(already + uplink.RecordsSent, TimeSpan.FromMinutes(10), cancellationToken).ConfigureAwait(false);
            stopwatch.Stop();
            return uplink.Failures > 0
                ? throw new InvalidOperationException($"{broker}: the uplink failed {uplink.Failures} times during the drain")
                : new DrainResult(broker, records, stopwatch.Elapsed);
        }
        finally
        {
            await agent.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await agent.DisposeAsync().ConfigureAwait(false);
        }
    }
}
