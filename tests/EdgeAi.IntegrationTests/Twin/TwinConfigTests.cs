using EdgeAi.Agent.SyncDown;
using EdgeAi.Common.Sync;
using Grpc.Core;
using EdgeAi.IntegrationTests.SyncDown;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.Twin;

/// <summary>Desired configuration changes what a running agent does, without a restart, and the reported state says so.</summary>
public sealed class TwinConfigTests : FleetServerTest
{
    [Fact]
    public async Task DesiredConfig_SampleRateAndRoutingPolicy_ChangeBehaviourLive()
    {
        var v1 = FleetModels.Bias(1f);
        Server.Serve("m", "1", v1);
        await using var agent = await FleetAgent.StartAsync(Scratch.Sub("agent"), Server, Models);
        agent.Desire(FleetModels.State(1, Models.Desired("m", "1", v1)));
        await agent.WaitForAsync("m", "1", DeploymentStates.Active, 1, Token);
        await agent.InferAsync("m", Token);
        // Aggregated (the default) decides on the request path: nothing is queued for the outbox.
        agent.Services.GetRequiredService<EdgeAi.Agent.Outbox.DurableOutbox>().Stats(SyncTopics.Inference).NextSequence.ShouldBe(1);

        // Sampling on, every request: records appear from the next request.
        var sampled = FleetModels.State(2, Models.Desired("m", "1", v1));
        sampled.Config["Telemetry:InferenceRecords"] = "Sampled";
        sampled.Config["Telemetry:SampleRate"] = "1";
        agent.Desire(sampled);
        await ReportedAsync(agent, 2, r => r.Config["Telemetry:SampleRate"] == "1" && r.Config["Telemetry:InferenceRecords"] == "Sampled");
        for (var i = 0; i < 5; i++)
        {
            await agent.InferAsync("m", Token);
        }
        await InferenceRecordsAsync(agent, atLeast: 5);

        // The hub sends the model cloud-only: the device stops answering it locally (no hub inference here).
        agent.Desire(FleetModels.State(3, Models.Desired("m", "1", v1, routingPolicy: "cloud-only")));
        await ReportedAsync(agent, 3, r => r.Config.TryGetValue("Routing:Models:m:Policy", out var p) && p == "cloud-only");
        await Should.ThrowAsync<RpcException>(() => agent.InferAsync("m", Token));

        // An invalid threshold is refused with an event; the policy change beside it still applies.
        var invalid = FleetModels.State(4, Models.Desired("m", "1", v1, routingPolicy: "local-only"));
        invalid.Config["Routing:Models:m:ConfidenceThreshold"] = "7";
        agent.Desire(invalid);
        await ReportedAsync(agent, 4, r => r.Config["Routing:Models:m:Policy"] == "local-only");
        (await agent.InferAsync("m", Token)).ShouldBe(("1", 1f));
        agent.Events().ShouldContain(e => e.Kind == "config_refused" && e.Attributes["key"] == "Routing:Models:m:ConfidenceThreshold");
        agent.Reported()[^1].Config.ContainsKey("Routing:Models:m:ConfidenceThreshold").ShouldBeFalse();
    }

    private static Task ReportedAsync(FleetAgent agent, long revision, Func<ReportedState, bool> condition) =>
        Eventually.UntilAsync(
            () => Task.FromResult(agent.Reported().Any(r => r.DesiredRevision == revision && condition(r))),
            () => $"reported state of revision {revision}; last: {agent.Reported().LastOrDefault()}",
            Token);

    private static Task InferenceRecordsAsync(FleetAgent agent, int atLeast) =>
        Eventually.UntilAsync(
            () => Task.FromResult(agent.Services.GetRequiredService<EdgeAi.Agent.Outbox.DurableOutbox>().Stats(SyncTopics.Inference).Depth >= atLeast),
            $"{atLeast} inference records", Token);
}
