using EdgeAi.Agent.SyncDown;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.Routing;

/// <summary>
/// Which version the hub is asked for: the device's desired version for its own model (so after a
/// rollback the device and its fallback answer alike), the request's when it names one, and the
/// configured cascade target for a low-confidence answer.
/// </summary>
public sealed class FallbackVersionTests : HubAndAgentTest
{

    public override async ValueTask InitializeAsync()
    {
        // The answer says which version served: v2 doubles, v3 (the hub's newest) triples.
        Hub.Install("detector", SampleModels.Scale(2f), "2");
        Hub.Install("detector", SampleModels.Scale(3f), "3");
        Hub.Install("large", SampleModels.Scale(7f));

        Agent.Install("tiny", SampleModels.Classifier());
        await StartAsync(new Dictionary<string, string?>
        {
            ["Routing:Models:tiny:ConfidenceThreshold"] = "0.99",
            ["Routing:Models:tiny:CascadeModel"] = "large",
        });
    }

    [Fact]
    public async Task Fallback_DesiredStateNamesOlderVersion_HubAnswersWithThatVersion()
    {
        var before = await Agent.Grpc.ModelInferAsync(Requests.Fp32("detector", [1, 2], [1, 2]), cancellationToken: Token);
        before.Parameters["edgeai.model_version"].StringParam.ShouldBe("3", "without a desired version the hub picks its newest");

        // The fleet rolled this device back to v2 (the download itself is not what this test is about).
        var desired = new DesiredState { Revision = 1_000_000 };
        desired.Models.Add(new DesiredModel { Name = "detector", Version = "2", Sha256 = new string('0', 64) });
        Agent.Services.GetRequiredService<DesiredStateStore>().TrySave(desired).ShouldBeTrue();

        var response = await Agent.Grpc.ModelInferAsync(Requests.Fp32("detector", [1, 2], [1, 2]), cancellationToken: Token);

        response.Parameters["edgeai.served_by"].StringParam.ShouldBe("cloud");
        response.Parameters.ContainsKey("edgeai.fallback_reason").ShouldBeTrue();
        response.Parameters["edgeai.model_version"].StringParam.ShouldBe("2");
        Requests.Fp32Output(response).ShouldBe([2f, 4f]);
    }

    [Fact]
    public async Task Fallback_RequestNamesVersion_HubAnswersWithIt()
    {
        var desired = new DesiredState { Revision = 1_000_001 };
        desired.Models.Add(new DesiredModel { Name = "detector", Version = "2", Sha256 = new string('0', 64) });
        Agent.Services.GetRequiredService<DesiredStateStore>().TrySave(desired).ShouldBeTrue();
        var request = Requests.Fp32("detector", [1, 2], [1, 2]);
        request.ModelVersion = "3";

        var response = await Agent.Grpc.ModelInferAsync(request, cancellationToken: Token);

        response.Parameters["edgeai.model_version"].StringParam.ShouldBe("3");
        Requests.Fp32Output(response).ShouldBe([3f, 6f]);
    }

    [Fact]
    public async Task Cascade_CascadeModelConfigured_LowConfidenceGoesToIt()
    {
        float[] unsure = [0.1f, 0.1f, 0.1f, 0.1f];
        SampleModels.ClassifierReference(unsure).Max().ShouldBeLessThan(0.99f);

        var response = await Agent.Grpc.ModelInferAsync(Requests.Fp32("tiny", [1, 4], unsure), cancellationToken: Token);

        response.Parameters["edgeai.served_by"].StringParam.ShouldBe("cloud");
        response.Parameters["edgeai.fallback_reason"].StringParam.ShouldBe("low_confidence");
        response.ModelName.ShouldBe("large");
        Requests.Fp32Output(response).ShouldBe([0.7f, 0.7f, 0.7f, 0.7f], tolerance: 1e-6f);
    }
}
