using EdgeAi.Agent.Cli;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using Grpc.Core;

namespace EdgeAi.IntegrationTests.Serving;

/// <summary>Models added or removed in the store while the agent runs are picked up without a restart.</summary>
public sealed class StoreSyncTests(AgentFixture agent) : IDisposable
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sync_ModelAddedThenRemoved_ServesThenNotFound()
    {
        agent.Install("late-scale", SampleModels.Scale(3f));
        agent.Loader.Sync();

        var response = await agent.Grpc.ModelInferAsync(Requests.Fp32("late-scale", [1, 2], [1, 2]), cancellationToken: Token);
        Requests.Fp32Output(response).ShouldBe([3f, 6f]);

        agent.Store.Remove("late-scale", null).ShouldBeTrue();
        agent.Loader.Sync();

        var error = await Should.ThrowAsync<RpcException>(() =>
            agent.Grpc.ModelInferAsync(Requests.Fp32("late-scale", [1, 2], [1, 2]), cancellationToken: Token).ResponseAsync);
        error.StatusCode.ShouldBe(StatusCode.NotFound);
    }

    [Fact]
    public async Task Cli_ModelsAddAndInfer_AgainstRunningAgent()
    {
        var file = Path.Combine(agent.DataDirectory, "cli-model.onnx");
        await File.WriteAllBytesAsync(file, SampleModels.Scale(5f), Token);

        var add = await AgentCli.Build().Parse(["models", "add", file, "--name", "cli-scale", "--version", "3", "--data-dir", agent.DataDirectory]).InvokeAsync(cancellationToken: Token);
        add.ShouldBe(0);
        agent.Loader.Sync();

        var infer = await AgentCli.Build().Parse(["infer", "cli-scale", "--url", agent.GrpcUri.ToString(), "--shape", "2,2", "--generate", "ones"]).InvokeAsync(cancellationToken: Token);
        infer.ShouldBe(0);
        var metadata = await agent.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "cli-scale" }, cancellationToken: Token);
        metadata.Versions.ShouldBe(["3"]);

        var bad = await AgentCli.Build().Parse(["infer", "no-such", "--url", agent.GrpcUri.ToString()]).InvokeAsync(cancellationToken: Token);
        bad.ShouldBe(1);
    }

    public void Dispose() => agent.VerifyNoErrors();
}
