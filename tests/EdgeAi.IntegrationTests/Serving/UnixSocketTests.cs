using System.Net;
using System.Net.Sockets;
using EdgeAi.Agent.Hosting;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.IntegrationTests.Gpio;
using Microsoft.Extensions.Options;

namespace EdgeAi.IntegrationTests.Serving;

/// <summary>The real agent host serving REST and gRPC on Unix sockets (Agent:UnixSocket:*), reached by real HttpClient and gRPC clients.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class UnixSocketTests : IDisposable
{
    private readonly Scratch _scratch = new("edgeai-uds-");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Infer_OverGrpcAndRestSockets_MatchesReference()
    {
        await using var agent = await StartAsync();
        float[] input = [0.5f, -1f, 1.5f, 2f];

        using var channel = UnixSocketClients.Grpc(agent.UnixSockets!.GrpcPath);
        var grpc = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var response = await grpc.ModelInferAsync(Requests.Fp32("classifier", [1, 4], input), cancellationToken: Token);
        using var http = UnixSocketClients.Http(agent.UnixSockets.RestPath);
        var (rest, body) = await Requests.PostAsync(http, "/v2/models/classifier/infer", Requests.Json("input", "FP32", [1, 4], input), Token);

        Requests.Fp32Output(response).ShouldBe(SampleModels.ClassifierReference(input), tolerance: 1e-5f);
        rest.StatusCode.ShouldBe(HttpStatusCode.OK);
        rest.Version.ShouldBe(HttpVersion.Version11);
        Requests.Data(body).ShouldBe(SampleModels.ClassifierReference(input), tolerance: 1e-5f);
        (await grpc.ServerReadyAsync(new ServerReadyRequest(), cancellationToken: Token)).Ready.ShouldBeTrue();
    }

    [Theory]
    [InlineData(null, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite)]
    [InlineData("0600", UnixFileMode.UserRead | UnixFileMode.UserWrite)]
    [InlineData("666", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)]
    public async Task Mode_FromConfiguration_AppliedToBothSockets(string? mode, UnixFileMode expected)
    {
        await using var agent = await StartAsync(mode is null ? null : new Dictionary<string, string?> { ["Agent:UnixSocket:Mode"] = mode });

        File.GetUnixFileMode(agent.UnixSockets!.RestPath).ShouldBe(expected);
        File.GetUnixFileMode(agent.UnixSockets.GrpcPath).ShouldBe(expected);
    }

    [Fact]
    public async Task Start_StaleSocketFilesLeftBehind_ReplacesThemAndServes()
    {
        var directory = _scratch.Sub("sockets");
        // A socket file nobody listens on: what a SIGKILLed agent leaves. Closing a socket removes the file it bound,
        // so the file is moved to its name first and outlives the socket.
        foreach (var name in new[] { UnixSocketOptions.RestFileName, UnixSocketOptions.GrpcFileName })
        {
            using var stale = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            stale.Bind(new UnixDomainSocketEndPoint(Path.Combine(directory, name + ".bound")));
            File.Move(Path.Combine(directory, name + ".bound"), Path.Combine(directory, name));
        }
        File.Exists(Path.Combine(directory, UnixSocketOptions.GrpcFileName)).ShouldBeTrue();

        await using var agent = await StartAsync(directory: directory);

        using var http = UnixSocketClients.Http(agent.UnixSockets!.RestPath);
        (await http.GetAsync(new Uri("/v2/health/ready", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Start_AnotherAgentListensOnTheSockets_RefusedNamingThePath()
    {
        var directory = _scratch.Sub("sockets");
        await using var first = await StartAsync(directory: directory);
        var second = new TestAgent(_scratch.Sub("second"));
        second.ExpectErrors("Microsoft.Extensions.Hosting.Internal.Host", 11);

        var refused = await Should.ThrowAsync<IOException>(second.StartAsync(hub: null, Settings(directory)));
        await second.DisposeAsync();

        refused.Message.ShouldBe(
            $"{first.UnixSockets!.RestPath} is in use: another process (another edge agent?) listens on it; stop it or set Agent:UnixSocket:Directory elsewhere");
        using var http = UnixSocketClients.Http(first.UnixSockets.RestPath);
        (await http.GetAsync(new Uri("/v2/health/ready", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Start_PathIsARegularFile_RefusedAndFileKept()
    {
        var directory = _scratch.Sub("sockets");
        var file = Path.Combine(directory, UnixSocketOptions.RestFileName);
        await File.WriteAllTextAsync(file, "not a socket", Token);
        var agent = new TestAgent(_scratch.Sub("agent"));
        agent.ExpectErrors("Microsoft.Extensions.Hosting.Internal.Host", 11);

        var refused = await Should.ThrowAsync<IOException>(agent.StartAsync(hub: null, Settings(directory)));
        await agent.DisposeAsync();

        refused.Message.ShouldContain($"{file} exists and is not a socket");
        (await File.ReadAllTextAsync(file, Token)).ShouldBe("not a socket");
    }

    [Fact]
    public async Task Stop_Clean_RemovesSocketFiles()
    {
        var agent = await StartAsync();
        var sockets = agent.UnixSockets!;
        File.Exists(sockets.GrpcPath).ShouldBeTrue();

        await agent.DisposeAsync();

        File.Exists(sockets.RestPath).ShouldBeFalse();
        File.Exists(sockets.GrpcPath).ShouldBeFalse();
    }

    [Theory]
    [InlineData("Agent:UnixSocket:Mode", "rw-rw----", "Agent:UnixSocket:Mode 'rw-rw----' is not an octal file mode")]
    [InlineData("Agent:UnixSocket:Mode", "0890", "Agent:UnixSocket:Mode '0890' is not an octal file mode")]
    [InlineData("Agent:UnixSocket:Mode", "4755", "Agent:UnixSocket:Mode '4755' is not an octal file mode")]
    [InlineData("Agent:UnixSocket:Directory", "relative/sockets", "Agent:UnixSocket:Directory 'relative/sockets' must be an absolute path")]
    [InlineData("Agent:UnixSocket:Directory", "MISSING", "does not exist; create it")]
    [InlineData("Agent:UnixSocket:Directory", "LONG", "is too long: a socket path must fit in 107 bytes")]
    public async Task Start_BadSetting_RefusedNamingTheKey(string key, string value, string expected)
    {
        value = value switch
        {
            "MISSING" => Path.Combine(_scratch.Root, "missing"),
            "LONG" => _scratch.Sub(new string('d', 100)),
            _ => value,
        };
        var settings = HostSettings.Merge(Settings(_scratch.Sub("sockets")), new Dictionary<string, string?> { [key] = value });
        var agent = new TestAgent(_scratch.Sub("agent"));

        var refused = await Should.ThrowAsync<OptionsValidationException>(agent.StartAsync(hub: null, settings));
        await agent.DisposeAsync();

        refused.Message.ShouldContain(expected);
    }

    [Fact]
    public async Task Start_DirectoryNotWritable_RefusedNamingTheKey()
    {
        if (Environment.UserName == "root")
        {
            Assert.Skip("root may create files in any directory, so permissions cannot refuse it");
        }
        var directory = _scratch.Sub("read-only");
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var agent = new TestAgent(_scratch.Sub("agent"));
        agent.ExpectErrors("Microsoft.Extensions.Hosting.Internal.Host", 11);

        var refused = await Should.ThrowAsync<OptionsValidationException>(agent.StartAsync(hub: null, Settings(directory)));
        await agent.DisposeAsync();
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        refused.Message.ShouldContain($"Agent:UnixSocket:Directory '{directory}' is not writable by the agent's user");
    }

    [Fact]
    public async Task GpioWrite_OverUnixSocket_TakenAsLocal()
    {
        // Remote control stays off: the Unix socket is reachable only from this machine, so it counts as local.
        await using var agent = await StartAsync(HostSettings.Merge(EdgeSettings.SimulatedPins(), new Dictionary<string, string?> { ["Agent:AllowRemoteControl"] = "false" }));
        using var http = UnixSocketClients.Http(agent.UnixSockets!.RestPath);

        var (status, _) = await EdgeSettings.SendAsync(http, HttpMethod.Put, "/gpio/lamp", """{"value": 1}""", Token);

        status.ShouldBe(200);
        EdgeSettings.High(agent, EdgeSettings.LampLine).ShouldBeTrue();
    }

    public void Dispose() => _scratch.Dispose();

    private static Dictionary<string, string?> Settings(string directory) => new() { ["Agent:UnixSocket:Directory"] = directory };

    private async Task<TestAgent> StartAsync(IReadOnlyDictionary<string, string?>? extra = null, string? directory = null)
    {
        var agent = new TestAgent(_scratch.Sub("agent-" + Guid.NewGuid().ToString("N")[..8]));
        agent.Install("classifier", SampleModels.Classifier());
        await agent.StartAsync(hub: null, HostSettings.Merge(Settings(directory ?? _scratch.Sub("sockets")), extra));
        return agent;
    }
}
