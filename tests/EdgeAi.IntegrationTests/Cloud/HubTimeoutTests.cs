using EdgeAi.Common.Onnx;
using Grpc.Core;

namespace EdgeAi.IntegrationTests.Cloud;

/// <summary>A hub that takes longer than the agent's per-attempt timeout: the local caller hears UNAVAILABLE, not CANCELLED.</summary>
public sealed class HubTimeoutTests() : HubTest(new Dictionary<string, string?>
{
    // One request alone waits the whole queue delay for company: a hub that is up but slower than the agent allows.
    ["Batching:Models:slow:MaxBatchSize"] = "64",
    ["Batching:Models:slow:MaxQueueDelay"] = "00:00:10",
})
{
    public override async ValueTask InitializeAsync()
    {
        Hub.Install("slow", SampleModels.Scale(3f));
        await base.InitializeAsync();
    }

    [Fact]
    public async Task Fallback_HubSlowerThanAttemptTimeout_IsUnavailableNamingTheTimeout()
    {
        await using var agent = new TestAgent(Scratch.Sub("agent"));
        await agent.StartAsync(Hub, new Dictionary<string, string?> { ["Cloud:AttemptTimeout"] = "00:00:00.300", ["Cloud:MaxRetries"] = "0" });

        var error = await Should.ThrowAsync<RpcException>(() =>
            agent.Grpc.ModelInferAsync(Requests.Fp32("slow", [1, 2], [1, 2]), cancellationToken: Token).ResponseAsync);

        // Before, the attempt's own cancellation came back as CANCELLED ("Call canceled by the client"): a caller
        // that cancelled nothing was told it had, and neither the retry nor the breaker saw a timeout.
        error.StatusCode.ShouldBe(StatusCode.Unavailable, error.Status.Detail);
        error.Status.Detail.ShouldContain("did not answer within 300 ms");
    }
}
