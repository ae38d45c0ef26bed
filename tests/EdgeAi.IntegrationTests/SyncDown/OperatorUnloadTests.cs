using EdgeAi.Common.Inference;
using EdgeAi.Agent.SyncDown;
using EdgeAi.Common.Sync;

namespace EdgeAi.IntegrationTests.SyncDown;

/// <summary>An operator's unload (the model repository extension) against the reconciler: its passes do not undo it; a new rollout does.</summary>
public sealed class OperatorUnloadTests : FleetServerTest
{
    [Fact]
    public async Task Unload_FleetManagedModel_StaysUnloadedThroughPassesUntilANewVersionRollsOut()
    {
        var v1 = FleetModels.Bias(1f);
        var v2 = FleetModels.Bias(2f);
        var other = FleetModels.Bias(5f);
        Server.Serve("m", "1", v1);
        Server.Serve("m", "2", v2);
        Server.Serve("n", "1", other);
        await using var agent = await FleetAgent.StartAsync(Scratch.Sub("agent"), Server, Models);
        agent.Desire(FleetModels.State(1, Models.Desired("m", "1", v1)));
        await agent.WaitForAsync("m", "1", DeploymentStates.Active, 1, Token);

        await agent.Agent.Grpc.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "m" }, cancellationToken: Token);
        // A later pass that still wants m v1 (and adds n): n rolls out, m stays as the operator left it.
        agent.Desire(FleetModels.State(2, Models.Desired("m", "1", v1), Models.Desired("n", "1", other)));
        await agent.WaitForAsync("n", "1", DeploymentStates.Active, 2, Token);

        (await agent.Agent.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "m" }, cancellationToken: Token)).Ready.ShouldBeFalse();

        // A new version is a newer fleet decision than the unload: it loads, is activated and serves.
        agent.Desire(FleetModels.State(3, Models.Desired("m", "2", v2), Models.Desired("n", "1", other)));
        await agent.WaitForAsync("m", "2", DeploymentStates.Active, 3, Token);
        (await agent.InferAsync("m", Token)).ShouldBe(("2", 2f));
    }
}
