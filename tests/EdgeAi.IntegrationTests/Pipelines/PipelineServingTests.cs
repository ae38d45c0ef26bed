using System.Net;
using EdgeAi.Common.Inference;
using EdgeAi.Serving.Protocol;
using Grpc.Core;

namespace EdgeAi.IntegrationTests.Pipelines;

/// <summary>The colour pipeline on real photos over gRPC and REST, its metadata and readiness, and pipelines that cannot serve.</summary>
public sealed class PipelineServingTests(PipelineAgentFixture fixture) : IClassFixture<PipelineAgentFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public static TheoryData<string> Photos => ["chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg", "retina.jpg", "hubble_deep_field.jpg"];

    [Theory]
    [MemberData(nameof(Photos))]
    public async Task Infer_RealPhoto_OverGrpc_AnswersItsDominantColour(string photo)
    {
        var bytes = TestImages.Read(photo);
        var (labels, scores) = PipelineRequests.Expected(bytes);

        var response = await fixture.Agent.Grpc.ModelInferAsync(PipelineRequests.Image("colours", bytes), cancellationToken: Token);

        response.ModelName.ShouldBe("colours");
        var answer = PipelineRequests.Classes(response);
        answer.Labels.ShouldBe(labels);
        answer.Scores.ShouldBe(scores, tolerance: 0.01);
        answer.Indices.Select(i => PipelineRequests.ColourLabels[i]).ShouldBe(labels);
        response.Outputs.Select(o => string.Join(",", o.Shape)).ShouldAllBe(s => s == "1,3");
        response.Parameters.GetString("edgeai.pipeline").ShouldBe("colours");
        response.Parameters.GetString(InferenceParameters.ServedBy).ShouldBe("local");
        response.Parameters.GetString(InferenceParameters.ModelVersion).ShouldBe("1");
    }

    [Theory]
    [MemberData(nameof(Photos))]
    public async Task Infer_RealPhoto_OverRest_AnswersItsDominantColour(string photo)
    {
        var bytes = TestImages.Read(photo);
        var (labels, scores) = PipelineRequests.Expected(bytes);

        var (response, body) = await Requests.PostAsync(fixture.Http, "/v2/models/colours/infer", PipelineRequests.Json(bytes), Token);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var answer = PipelineRequests.Classes(body);
        answer.Labels.ShouldBe(labels);
        answer.Scores.ShouldBe(scores, tolerance: 0.01);
        body.RootElement.GetProperty("model_name").GetString().ShouldBe("colours");
        body.RootElement.GetProperty("parameters").GetProperty("edgeai.pipeline").GetString().ShouldBe("colours");
    }

    [Fact]
    public async Task Metadata_OverGrpcAndRest_DescribesImageInAndClassesOut()
    {
        var grpc = await fixture.Agent.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "colours" }, cancellationToken: Token);
        var (rest, body) = await Requests.GetAsync(fixture.Http, "/v2/models/colours", Token);

        grpc.Platform.ShouldBe("ensemble");
        grpc.Inputs.Select(i => (i.Name, i.Datatype, string.Join(",", i.Shape))).ShouldBe([("image", "BYTES", "1")]);
        grpc.Outputs.Select(o => (o.Name, o.Datatype, string.Join(",", o.Shape))).ShouldBe([("labels", "BYTES", "1,3"), ("scores", "FP32", "1,3"), ("indices", "INT64", "1,3")]);
        grpc.Parameters.GetString("edgeai.pipeline").ShouldBe("colours");
        grpc.Parameters.GetString("edgeai.model").ShouldBe("channels");
        grpc.Parameters.GetString("edgeai.state").ShouldBe("READY");
        rest.StatusCode.ShouldBe(HttpStatusCode.OK);
        body.RootElement.GetProperty("inputs")[0].GetProperty("datatype").GetString().ShouldBe("BYTES");
        body.RootElement.GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("name").GetString()).ShouldBe(["labels", "scores", "indices"]);
    }

    [Fact]
    public async Task Metadata_PostProcessingOff_DescribesTheModelsOwnOutputs()
    {
        var metadata = await fixture.Agent.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "raw" }, cancellationToken: Token);

        metadata.Outputs.Select(o => (o.Name, o.Datatype, string.Join(",", o.Shape))).ShouldBe([("probabilities", "FP32", "-1,3")]);
    }

    [Fact]
    public async Task Infer_PostProcessingOff_ReturnsTheModelsOutput()
    {
        var photo = TestImages.Read("chelsea.png");

        var response = await fixture.Agent.Grpc.ModelInferAsync(PipelineRequests.Image("raw", photo), cancellationToken: Token);

        response.Outputs.ShouldHaveSingleItem().Name.ShouldBe("probabilities");
        var probabilities = Requests.Fp32Output(response);
        probabilities.Sum().ShouldBe(1f, tolerance: 1e-4);
        response.Parameters.GetString("edgeai.pipeline").ShouldBe("raw");
    }

    [Fact]
    public async Task Ready_PipelineOverAnInstalledModel_IsReadyOverBothProtocols()
    {
        (await fixture.Agent.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "colours" }, cancellationToken: Token)).Ready.ShouldBeTrue();
        var (rest, _) = await Requests.GetAsync(fixture.Http, "/v2/models/colours/ready", Token);
        rest.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ModelNotInstalled_PipelineIsNotReady_AndInferIsUnavailable()
    {
        (await fixture.Agent.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "waiting" }, cancellationToken: Token)).Ready.ShouldBeFalse();
        var (rest, _) = await Requests.GetAsync(fixture.Http, "/v2/models/waiting/ready", Token);
        rest.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var metadata = await fixture.Agent.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "waiting" }, cancellationToken: Token);
        metadata.Parameters.GetString("edgeai.state").ShouldBe("WAITING");

        var error = await Should.ThrowAsync<RpcException>(async () =>
            await fixture.Agent.Grpc.ModelInferAsync(PipelineRequests.Image("waiting", TestImages.Read("rocket.jpg")), cancellationToken: Token));

        error.StatusCode.ShouldBe(StatusCode.Unavailable);
        error.Status.Detail.ShouldBe("pipeline 'waiting' is not ready: its model 'not-installed' is not installed on this device and no hub is configured");
    }

    [Fact]
    public async Task Misfit_PipelineThatDoesNotFitItsModel_IsFailedWithTheReason()
    {
        var metadata = await fixture.Agent.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "misfit" }, cancellationToken: Token);
        metadata.Parameters.GetString("edgeai.state").ShouldBe("FAILED");
        metadata.Parameters.GetString("edgeai.failure_reason").ShouldBe(
            "pipeline 'misfit' does not fit model 'channels' version 1: model 'channels' input 'image' (FP32 [-1,3,32,32]) does not take the image tensor: Pipelines:misfit makes FP32 [1,32,32,3] (NHWC, Resize 32 × 32)");

        var error = await Should.ThrowAsync<RpcException>(async () =>
            await fixture.Agent.Grpc.ModelInferAsync(PipelineRequests.Image("misfit", TestImages.Read("rocket.jpg")), cancellationToken: Token));

        error.StatusCode.ShouldBe(StatusCode.Unavailable);
        error.Status.Detail.ShouldContain("does not fit model 'channels'");
    }

    [Fact]
    public async Task Infer_UnknownRoute_IsRefusedAsTheCallersParameter()
    {
        var request = PipelineRequests.Image("colours", TestImages.Read("rocket.jpg"));
        request.Parameters[InferenceParameters.Route] = new InferParameter { StringParam = "nowhere" };

        var error = await Should.ThrowAsync<RpcException>(async () => await fixture.Agent.Grpc.ModelInferAsync(request, cancellationToken: Token));

        error.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        error.Status.Detail.ShouldBe("parameter edgeai.route is 'nowhere'; expected auto, local or cloud");
    }

    [Fact]
    public async Task PlainModel_NextToPipelines_IsServedAsBefore()
    {
        var image = new float[3 * PipelineRequests.Size * PipelineRequests.Size];
        Array.Fill(image, 0.5f);

        var response = await fixture.Agent.Grpc.ModelInferAsync(Requests.Fp32("channels", [1, 3, PipelineRequests.Size, PipelineRequests.Size], image, input: "image"), cancellationToken: Token);

        Requests.Fp32Output(response).ShouldBe([1 / 3f, 1 / 3f, 1 / 3f], tolerance: 1e-5);
        response.Parameters.ContainsKey("edgeai.pipeline").ShouldBeFalse();
    }
}
