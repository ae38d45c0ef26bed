using System.Diagnostics;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using Grpc.Core;

namespace EdgeAi.IntegrationTests.Cloud;

/// <summary>The hub going away and coming back, and hubs the agent must not trust.</summary>
public sealed class ResilienceTests : HubTest
{
    public override async ValueTask InitializeAsync()
    {
        Hub.Install("remote", SampleModels.Scale(10f));
        Hub.Install("add", SampleModels.AddTwo());
        await base.InitializeAsync();
    }

    /// <summary>Requests for models only the hub has, each wrong in a way the caller controls, and the status each must get.</summary>
    public static TheoryData<string, StatusCode> CallerMistakes => new()
    {
        { "shape [4,2^62]", StatusCode.ResourceExhausted },
        { "shape [16,2^60]", StatusCode.ResourceExhausted },
        { "shape [2^31,2^31]", StatusCode.ResourceExhausted },
        { "deadline int64 max", StatusCode.InvalidArgument },
        { "deadline int64 min", StatusCode.InvalidArgument },
        { "deadline 1e400", StatusCode.InvalidArgument },
        { "shapes Add cannot broadcast", StatusCode.InvalidArgument },
        { "wrong datatype", StatusCode.InvalidArgument },
        { "unknown model", StatusCode.NotFound },
    };

    [Theory]
    [MemberData(nameof(CallerMistakes))]
    public async Task CallerMistakes_RepeatedForHubOnlyModels_NeverOpenTheCircuit(string mistake, StatusCode expected)
    {
        await using var agent = new TestAgent(Scratch.Sub("agent"));
        await agent.StartAsync(Hub);

        // Far past the breaker's minimum throughput (2 in the test agent) at a 100% failure ratio.
        for (var i = 0; i < 10; i++)
        {
            var error = await Should.ThrowAsync<RpcException>(() => agent.Grpc.ModelInferAsync(Mistake(mistake), cancellationToken: Token).ResponseAsync);
            error.StatusCode.ShouldBe(expected, error.Status.Detail);
        }

        // Straight after, within the break duration: had the circuit opened, this would fail at once.
        var served = await agent.Grpc.ModelInferAsync(Requests.Fp32("remote", [1, 2], [1, 2]), cancellationToken: Token);
        served.Parameters["edgeai.served_by"].StringParam.ShouldBe("cloud");
        served.Parameters["edgeai.fallback_reason"].StringParam.ShouldBe("model_not_installed");
        Requests.Fp32Output(served).ShouldBe([10f, 20f]);
    }

    private static ModelInferRequest Mistake(string mistake)
    {
        var request = Requests.Fp32("remote", [1, 1], [1]);
        switch (mistake)
        {
            case "shape [4,2^62]":
                request.Inputs[0].Shape[0] = 4;
                request.Inputs[0].Shape[1] = 1L << 62;
                break;
            case "shape [16,2^60]":
                request.Inputs[0].Shape[0] = 16;
                request.Inputs[0].Shape[1] = 1L << 60;
                break;
            case "shape [2^31,2^31]":
                request.Inputs[0].Shape[0] = 1L << 31;
                request.Inputs[0].Shape[1] = 1L << 31;
                break;
            case "deadline int64 max":
                request.Parameters["edgeai.deadline_ms"] = new InferParameter { Int64Param = long.MaxValue };
                break;
            case "deadline int64 min":
                request.Parameters["edgeai.deadline_ms"] = new InferParameter { Int64Param = long.MinValue };
                break;
            case "deadline 1e400":
                request.Parameters["edgeai.deadline_ms"] = new InferParameter { StringParam = "1e400" };
                break;
            case "shapes Add cannot broadcast":
                request = Requests.Fp32("add", [2, 3], new float[6], input: "a");
                var b = new ModelInferRequest.Types.InferInputTensor { Name = "b", Datatype = "FP32" };
                b.Shape.AddRange([3, 3]);
                request.Inputs.Add(b);
                request.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(new byte[36]));
                break;
            case "wrong datatype":
                request.Inputs[0].Datatype = "FP64";
                break;
            default:
                request.ModelName = "nowhere";
                break;
        }
        return request;
    }

    [Fact]
    public async Task HubStopsAndReturns_CircuitOpensLocalKeepsServingCloudFailsFastThenResumes()
    {
        await using var agent = new TestAgent(Scratch.Sub("agent"));
        agent.Install("local", SampleModels.Scale(2f));
        await agent.StartAsync(Hub);
        (await CloudOnly(agent)).Parameters["edgeai.served_by"].StringParam.ShouldBe("cloud");

        await Hub.StopAsync();

        // Failures open the circuit (minimum throughput 2 in the test agent's settings).
        for (var i = 0; i < 4; i++)
        {
            var failed = await Should.ThrowAsync<RpcException>(() => CloudOnly(agent));
            failed.StatusCode.ShouldBe(StatusCode.Unavailable);
        }
        var stopwatch = Stopwatch.StartNew();
        var fast = await Should.ThrowAsync<RpcException>(() => CloudOnly(agent));
        var cloudFailMs = stopwatch.Elapsed.TotalMilliseconds;
        fast.StatusCode.ShouldBe(StatusCode.Unavailable);
        fast.Status.Detail.ShouldContain("circuit is open");
        cloudFailMs.ShouldBeLessThan(1000); // well under one attempt timeout (2 s): nobody waited on the hub

        // Local-first requests for a local model never touch the hub.
        var local = await agent.Grpc.ModelInferAsync(Requests.Fp32("local", [1, 2], [1, 2]), cancellationToken: Token);
        local.Parameters["edgeai.served_by"].StringParam.ShouldBe("local");
        Requests.Fp32Output(local).ShouldBe([2f, 4f]);

        // Neither side can serve a hub-only model: both reasons are named.
        var neither = await Should.ThrowAsync<RpcException>(() =>
            agent.Grpc.ModelInferAsync(Requests.Fp32("remote", [1, 1], [1]), cancellationToken: Token).ResponseAsync);
        neither.StatusCode.ShouldBe(StatusCode.Unavailable);
        neither.Status.Detail.ShouldContain("local: model 'remote' is not installed on this device");
        neither.Status.Detail.ShouldContain("cloud: ");

        await Hub.StartAsync();

        // After the break (1 s) a trial call goes through and traffic resumes.
        var resumed = await Eventually.SucceedsAsync(() => CloudOnly(agent), e => e is RpcException, "cloud-only requests to succeed again", Token, every: TimeSpan.FromMilliseconds(100));
        resumed.Parameters["edgeai.served_by"].StringParam.ShouldBe("cloud");
        Requests.Fp32Output(resumed).ShouldBe([10f]);
    }

    [Fact]
    public async Task ModelMetadata_HubDown_IsUnavailableSayingItCannotBeReached()
    {
        await using var agent = new TestAgent(Scratch.Sub("agent"));
        await agent.StartAsync(Hub);
        await Hub.StopAsync();

        var error = await Should.ThrowAsync<RpcException>(() =>
            agent.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "remote" }, cancellationToken: Token).ResponseAsync);

        error.StatusCode.ShouldBe(StatusCode.Unavailable);
        error.Status.Detail.ShouldStartWith("model 'remote' is not installed on this device and the hub cannot be reached: ");
        (await agent.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "remote" }, cancellationToken: Token)).Ready.ShouldBeFalse();
    }

    [Fact]
    public async Task UntrustedCertificate_IsRefused()
    {
        // No pin and no CA: the hub's self-signed certificate is not in the system trust store.
        await using var agent = new TestAgent(Scratch.Sub("agent-untrusting"));
        await agent.StartAsync(Hub, new Dictionary<string, string?> { ["Cloud:CertificateFingerprint"] = null });

        var error = await Should.ThrowAsync<RpcException>(() => CloudOnly(agent));

        error.StatusCode.ShouldBe(StatusCode.Unavailable);
        error.Status.Detail.ShouldContain("hub cannot serve");
    }

    [Fact]
    public async Task WrongPin_IsRefused()
    {
        await using var agent = new TestAgent(Scratch.Sub("agent-wrong-pin"));
        await agent.StartAsync(Hub, new Dictionary<string, string?> { ["Cloud:CertificateFingerprint"] = new string('A', 64) });

        (await Should.ThrowAsync<RpcException>(() => CloudOnly(agent))).StatusCode.ShouldBe(StatusCode.Unavailable);
    }

    [Fact]
    public async Task ConfiguredCa_IsTrusted()
    {
        await using var agent = new TestAgent(Scratch.Sub("agent-ca"));
        await agent.StartAsync(Hub, new Dictionary<string, string?>
        {
            ["Cloud:CertificateFingerprint"] = null,
            ["Cloud:CaCertificatePath"] = Hub.CaPath,
        });

        (await CloudOnly(agent)).Parameters["edgeai.served_by"].StringParam.ShouldBe("cloud");
    }

    [Fact]
    public async Task WrongDeviceKey_CloudRefusesAndSaysSo()
    {
        await using var agent = new TestAgent(Scratch.Sub("agent-bad-key"));
        await agent.StartAsync(Hub, new Dictionary<string, string?> { ["Cloud:DeviceKey"] = "not-the-key-not-the-key" });

        var error = await Should.ThrowAsync<RpcException>(() => CloudOnly(agent));

        error.StatusCode.ShouldBe(StatusCode.Unavailable);
        error.Status.Detail.ShouldContain("Unauthenticated");
    }

    private static async Task<ModelInferResponse> CloudOnly(TestAgent agent)
    {
        var request = Requests.Fp32("remote", [1, 1], [1]);
        request.Parameters["edgeai.route"] = new InferParameter { StringParam = "cloud" };
        return await agent.Grpc.ModelInferAsync(request, cancellationToken: Token);
    }
}
