using System.Net;
using EdgeAi.Agent.Hosting;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;

namespace EdgeAi.IntegrationTests.Serving;

/// <summary>The real edge-agent executable on Unix sockets: killed with SIGKILL it leaves its socket files, and the next start on the same path takes them over.</summary>
public sealed class UnixSocketProcessTests : IDisposable
{
    private readonly Scratch _scratch = new("edgeai-uds-");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Restart_AfterSigkill_ServesOnTheSameSockets()
    {
        var data = _scratch.Sub("agent");
        ModelInstall.StoreIn(data).Install("classifier", SampleModels.Classifier(), "1");
        var sockets = _scratch.Sub("sockets");
        var settings = new Dictionary<string, string> { ["Agent:UnixSocket:Directory"] = sockets };
        var grpcPath = Path.Combine(sockets, UnixSocketOptions.GrpcFileName);
        float[] input = [1f, 2f, -1f, 0.25f];

        var first = await AgentProcess.StartAsync(data, settings);
        (await InferAsync(grpcPath)).ShouldBe(SampleModels.ClassifierReference(input), tolerance: 1e-5f);
        await first.KillAsync();
        await first.DisposeAsync();
        File.Exists(grpcPath).ShouldBeTrue("SIGKILL runs no shutdown code, so the socket file stays");

        await using var second = await AgentProcess.StartAsync(data, settings);

        (await InferAsync(grpcPath)).ShouldBe(SampleModels.ClassifierReference(input), tolerance: 1e-5f);
        using var http = UnixSocketClients.Http(Path.Combine(sockets, UnixSocketOptions.RestFileName));
        (await http.GetAsync(new Uri("/v2/health/ready", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.OK);

        async Task<float[]> InferAsync(string path)
        {
            using var channel = UnixSocketClients.Grpc(path);
            var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
            return Requests.Fp32Output(await client.ModelInferAsync(Requests.Fp32("classifier", [1, 4], input), cancellationToken: Token));
        }
    }

    [Fact]
    public async Task Start_SocketsOfALiveAgent_ExitsTwoWithOneLine()
    {
        var sockets = _scratch.Sub("sockets");
        var settings = new Dictionary<string, string> { ["Agent:UnixSocket:Directory"] = sockets };
        await using var live = await AgentProcess.StartAsync(_scratch.Sub("live"), settings);

        var refused = AgentProcess.Launch(_scratch.Sub("refused"), settings);
        refused.ExpectErrors("Microsoft.Extensions.Hosting.Internal.Host", 11);
        var exit = await refused.WaitForExitAsync();
        var output = refused.Output;
        await refused.DisposeAsync();

        exit.ShouldBe(2, output);
        output.ShouldContain(
            $"edge-agent: cannot start: {Path.Combine(sockets, UnixSocketOptions.RestFileName)} is in use: another process (another edge agent?) listens on it; stop it or set Agent:UnixSocket:Directory elsewhere");
        File.Exists(Path.Combine(sockets, UnixSocketOptions.GrpcFileName)).ShouldBeTrue("the live agent's sockets are left alone");
    }

    public void Dispose() => _scratch.Dispose();
}
