using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Agent.Routing;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.Routing;

/// <summary>The agent's router against a real hub: each escalation reason, and the policies.</summary>
public sealed class FallbackTests : HubAndAgentTest
{
    private const float Threshold = 0.7f;

    public override async ValueTask InitializeAsync()
    {
        Hub.Install("hub-only", SampleModels.Scale(10f));
        Hub.Install("classifier", SampleModels.Scale(1f));
        Hub.Install("add", CloudModels.Concat());
        Hub.Install("slow", CloudModels.Slow(1));

        Agent.Install("classifier", SampleModels.Classifier());
        Agent.Install("add", SampleModels.AddTwo());
        Agent.Install("slow", CloudModels.Slow(48));
        Agent.Install("local-only-model", SampleModels.Scale(4f));
        await StartAsync(new Dictionary<string, string?>
        {
            ["Routing:Models:classifier:ConfidenceThreshold"] = Threshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Routing:Models:slow:MaxLocalQueueDepth"] = "1",
            ["ModelHost:MaxConcurrentRunsPerModel"] = "1",
        });
    }

    [Fact]
    public async Task NotInstalledLocally_HubServesWithReason()
    {
        var response = await Agent.Grpc.ModelInferAsync(Requests.Fp32("hub-only", [1, 2], [1, 2]), cancellationToken: Token);

        Requests.Fp32Output(response).ShouldBe([10f, 20f]);
        AssertCloud(response, "model_not_installed");
    }

    [Fact]
    public async Task LocalFailure_HubServesWithReason()
    {
        // The device's Add cannot broadcast [2,3] with [3,3] and fails at run time; the hub's model joins them.
        var request = Requests.Fp32("add", [2, 3], new float[6], input: "a");
        var b = new ModelInferRequest.Types.InferInputTensor { Name = "b", Datatype = "FP32" };
        b.Shape.AddRange([3, 3]);
        request.Inputs.Add(b);
        request.RawInputContents.Add(Google.Protobuf.ByteString.CopyFrom(new byte[36]));

        var response = await Agent.Grpc.ModelInferAsync(request, cancellationToken: Token);

        response.Outputs[0].Shape.ShouldBe([5L, 3L]);
        AssertCloud(response, "local_failure");
    }

    [Fact]
    public async Task LowConfidence_CascadesToHub_ConfidentStaysLocal()
    {
        float[] unsure = [0.1f, 0.1f, 0.1f, 0.1f];
        float[] sure = [8f, -8f, 8f, 8f];
        SampleModels.ClassifierReference(unsure).Max().ShouldBeLessThan(Threshold);
        SampleModels.ClassifierReference(sure).Max().ShouldBeGreaterThan(Threshold);

        var cascaded = await Agent.Grpc.ModelInferAsync(Requests.Fp32("classifier", [1, 4], unsure), cancellationToken: Token);
        var local = await Agent.Grpc.ModelInferAsync(Requests.Fp32("classifier", [1, 4], sure), cancellationToken: Token);

        AssertCloud(cascaded, "low_confidence");
        local.Parameters["edgeai.served_by"].StringParam.ShouldBe("local");
        Requests.Fp32Output(local).ShouldBe(SampleModels.ClassifierReference(sure), tolerance: 1e-5f);
    }

    [Fact]
    public async Task DeepLocalQueue_OverflowGoesToHub()
    {
        // One long run holds the model's only slot (MaxConcurrentRunsPerModel 1) before the others are sent: sent all at
        // once, they could all be routed before any had entered the queue (depth 0), and every one ran locally.
        var host = Agent.Services.GetRequiredService<EdgeAi.Serving.Runtime.ModelHost>();
        var first = Agent.Grpc.ModelInferAsync(Requests.Fp32("slow", [1024, 256], new float[1024 * 256]), cancellationToken: Token).ResponseAsync;
        await Eventually.UntilAsync(
            () => Task.FromResult(first.IsCompleted || host.Resolve("slow", null).QueueDepth >= 1), "the first request holds the slow model", Token);
        var input = new float[64 * 256];
        var rest = await Task.WhenAll(Enumerable.Range(0, 7).Select(_ =>
            Agent.Grpc.ModelInferAsync(Requests.Fp32("slow", [64, 256], input), cancellationToken: Token).ResponseAsync));
        ModelInferResponse[] responses = [await first, .. rest];

        responses.ShouldContain(r => r.Parameters["edgeai.served_by"].StringParam == "local");
        responses.ShouldContain(r => r.Parameters.ContainsKey("edgeai.fallback_reason") && r.Parameters["edgeai.fallback_reason"].StringParam == "overloaded");
    }

    [Fact]
    public async Task DeadlineLocalCannotMeet_GoesToHub()
    {
        var input = new float[1024 * 256];
        for (var i = 0; i < 2; i++)
        {
            var warm = await Agent.Grpc.ModelInferAsync(Requests.Fp32("slow", [1024, 256], input), cancellationToken: Token);
            warm.Parameters["edgeai.served_by"].StringParam.ShouldBe("local");
        }
        await Agent.Grpc.ModelInferAsync(Requests.Fp32("hub-only", [1, 1], [1]), cancellationToken: Token); // opens the TLS connection
        var localMs = Agent.Services.GetRequiredService<LatencyTracker>().EstimateMs("slow")!.Value;

        // Half the device's recent latency: the device cannot make it; the hub's one-layer model on a
        // single row answers in a fraction of that even on a busy machine.
        var request = Requests.Fp32("slow", [1, 256], new float[256]);
        request.Parameters["edgeai.deadline_ms"] = new InferParameter { Int64Param = Math.Max(1, (long)(localMs / 2)) };
        var response = await Agent.Grpc.ModelInferAsync(request, cancellationToken: Token);

        AssertCloud(response, "deadline");
    }

    [Fact]
    public async Task RouteParameter_OverridesPolicy()
    {
        var request = Requests.Fp32("classifier", [1, 4], [8f, -8f, 8f, 8f]);
        request.Parameters["edgeai.route"] = new InferParameter { StringParam = "cloud" };

        var response = await Agent.Grpc.ModelInferAsync(request, cancellationToken: Token);

        response.Parameters["edgeai.served_by"].StringParam.ShouldBe("cloud");
        response.Parameters.ContainsKey("edgeai.fallback_reason").ShouldBeFalse();

        var bad = Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]);
        bad.Parameters["edgeai.route"] = new InferParameter { StringParam = "mars" };
        var error = await Should.ThrowAsync<RpcException>(() => Agent.Grpc.ModelInferAsync(bad, cancellationToken: Token).ResponseAsync);
        error.StatusCode.ShouldBe(StatusCode.InvalidArgument);
    }

    [Fact]
    public async Task UnknownEverywhere_IsNotFoundFromHub()
    {
        var error = await Should.ThrowAsync<RpcException>(() =>
            Agent.Grpc.ModelInferAsync(Requests.Fp32("nowhere", [1, 1], [1]), cancellationToken: Token).ResponseAsync);

        error.StatusCode.ShouldBe(StatusCode.NotFound);
        error.Status.Detail.ShouldContain("model 'nowhere' is not installed");
    }

    [Fact]
    public async Task ModelMetadata_HubOnlyModel_ComesFromHub()
    {
        var metadata = await Agent.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "hub-only" }, cancellationToken: Token);

        metadata.Inputs[0].Shape.ShouldBe([-1L, -1L]);
        (await Agent.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "hub-only" }, cancellationToken: Token)).Ready.ShouldBeTrue();
    }

    [Fact]
    public async Task ModelMetadataAndReady_UnknownEverywhere_AreNotFoundSayingTheHubHasNone()
    {
        var metadata = await Should.ThrowAsync<RpcException>(() =>
            Agent.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "nowhere" }, cancellationToken: Token).ResponseAsync);
        var ready = await Should.ThrowAsync<RpcException>(() =>
            Agent.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "nowhere" }, cancellationToken: Token).ResponseAsync);

        foreach (var error in new[] { metadata, ready })
        {
            error.StatusCode.ShouldBe(StatusCode.NotFound);
            error.Status.Detail.ShouldStartWith("model 'nowhere' is not installed on this device and the hub does not have it either");
            error.Status.Detail.ShouldNotContain("cannot be reached");
        }
    }

    private static void AssertCloud(ModelInferResponse response, string reason)
    {
        response.Parameters["edgeai.served_by"].StringParam.ShouldBe("cloud");
        response.Parameters["edgeai.fallback_reason"].StringParam.ShouldBe(reason);
    }
}
