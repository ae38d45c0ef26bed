using System.Net;
using EdgeAi.Agent.Hosting;
using EdgeAi.Common.Inference;
using Grpc.Core;

namespace EdgeAi.IntegrationTests.Serving;

/// <summary>Agent:SharedMemory:Enabled: off, the agent offers no system_shared_memory; not a boolean, it does not start.</summary>
public sealed class SharedMemoryOptionsTests : IDisposable
{
    private readonly Scratch _scratch = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Disabled_ExtensionNeitherListedNorServed()
    {
        await using var agent = new TestAgent(_scratch.Sub("agent"));
        await agent.StartAsync(hub: null, new Dictionary<string, string?> { ["Agent:SharedMemory:Enabled"] = "false" });

        var metadata = await agent.Grpc.ServerMetadataAsync(new ServerMetadataRequest(), cancellationToken: Token);
        metadata.Extensions.ShouldNotContain("system_shared_memory");
        var refused = await Should.ThrowAsync<RpcException>(() => agent.Grpc.SystemSharedMemoryStatusAsync(new SystemSharedMemoryStatusRequest(), cancellationToken: Token).ResponseAsync);
        refused.StatusCode.ShouldBe(StatusCode.Unimplemented);
        using var http = new HttpClient { BaseAddress = agent.HttpUri };
        var (response, body) = await Requests.GetAsync(http, "/v2/systemsharedmemory/status", Token);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        body.RootElement.GetProperty("error").GetString()!.ShouldContain("does not offer the system_shared_memory extension");
    }

    [Fact]
    public async Task NotABoolean_AgentDoesNotStart()
    {
        Exception? refused = null;
        try
        {
            await using var app = AgentHost.Build(new Dictionary<string, string?>
            {
                ["Agent:DataDirectory"] = _scratch.Sub("bad"),
                ["Agent:HttpPort"] = "0",
                ["Agent:GrpcPort"] = "0",
                ["Logging:LogLevel:Default"] = "None",
                ["Agent:SharedMemory:Enabled"] = "maybe",
            });
            await app.StartAsync(Token);
            await app.StopAsync(Token);
        }
        catch (InvalidOperationException e)
        {
            refused = e;
        }

        refused.ShouldNotBeNull("the agent must not start").Message.ShouldContain("Agent:SharedMemory:Enabled");
    }

    public void Dispose() => _scratch.Dispose();
}
