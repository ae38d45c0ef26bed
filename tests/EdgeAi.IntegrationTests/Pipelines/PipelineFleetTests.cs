using System.Text.Json;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Sync;
using EdgeAi.IntegrationTests.Dashboard;
using EdgeAi.Serving.Protocol;
using Grpc.Core;

namespace EdgeAi.IntegrationTests.Pipelines;

/// <summary>
/// Pipelines on an agent with a real hub: one whose model only the hub has (the agent decodes and pre-processes,
/// the router sends the tensor to the hub), one over a model on the device; both reach the hub in the reported
/// state and show on its dashboard's device view.
/// </summary>
public sealed class PipelineFleetTests : IDisposable
{
    private readonly Scratch _scratch = new("edgeai-pipeline-fleet-");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Infer_ModelOnlyTheHubHas_RunsThePipelineHereAndTheModelThere()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"));
        hub.Install("channels", PipelineRequests.ChannelModel());
        await hub.StartAsync();
        await using var agent = new TestAgent(_scratch.Sub("agent"));
        await File.WriteAllLinesAsync(Path.Combine(agent.DataDirectory, "colours.txt"), PipelineRequests.ColourLabels, Token);
        await agent.StartAsync(hub, PipelineRequests.ColourPipeline("colours", "colours.txt"));
        var photo = TestImages.Read("coffee.png");
        var (labels, scores) = PipelineRequests.Expected(photo);

        var response = await agent.Grpc.ModelInferAsync(PipelineRequests.Image("colours", photo), cancellationToken: Token);

        var answer = PipelineRequests.Classes(response);
        answer.Labels.ShouldBe(labels);
        answer.Scores.ShouldBe(scores, tolerance: 0.01);
        response.Parameters.GetString(InferenceParameters.ServedBy).ShouldBe("cloud");
        response.Parameters.GetString(InferenceParameters.FallbackReason).ShouldBe("model_not_installed");
        response.Parameters.GetString("edgeai.pipeline").ShouldBe("colours");
        var metadata = await agent.Grpc.ModelMetadataAsync(new ModelMetadataRequest { Name = "colours" }, cancellationToken: Token);
        metadata.Parameters.GetString("edgeai.state").ShouldBe("READY");
    }

    [Fact]
    public async Task Infer_CallerPicksARouteOrVersionThatHasNoModel_IsNotFoundNotUnavailable()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"));
        hub.Install("channels", PipelineRequests.ChannelModel());
        await hub.StartAsync();
        await using var agent = new TestAgent(_scratch.Sub("agent"));
        await File.WriteAllLinesAsync(Path.Combine(agent.DataDirectory, "colours.txt"), PipelineRequests.ColourLabels, Token);
        await agent.StartAsync(hub, PipelineRequests.ColourPipeline("colours", "colours.txt"));
        var localOnly = PipelineRequests.Image("colours", TestImages.Read("rocket.jpg"));
        localOnly.Parameters[InferenceParameters.Route] = new InferParameter { StringParam = "local" };
        var version7 = PipelineRequests.Image("colours", TestImages.Read("rocket.jpg"));
        version7.ModelVersion = "7";

        var local = await Should.ThrowAsync<RpcException>(async () => await agent.Grpc.ModelInferAsync(localOnly, cancellationToken: Token));
        var version = await Should.ThrowAsync<RpcException>(async () => await agent.Grpc.ModelInferAsync(version7, cancellationToken: Token));

        // The model is only at the hub: local-only is the caller's choice to change, as a version no one has is.
        local.StatusCode.ShouldBe(StatusCode.NotFound);
        local.Status.Detail.ShouldStartWith("pipeline 'colours': its model step found nothing for what the request asked: ");
        local.Status.Detail.ShouldContain("'channels'");
        version.StatusCode.ShouldBe(StatusCode.NotFound);
        version.Status.Detail.ShouldBe("pipeline 'colours': its model step found nothing for what the request asked: hub: model 'channels' has no version '7'; installed versions: 1");
    }

    [Fact]
    public async Task ReportedState_CarriesEachPipelineAndItsState_TheDashboardShowsThem()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"));
        await hub.StartAsync();
        await using var agent = new TestAgent(_scratch.Sub("agent"));
        agent.Install("channels-here", PipelineRequests.ChannelModel());
        await File.WriteAllLinesAsync(Path.Combine(agent.DataDirectory, "colours.txt"), PipelineRequests.ColourLabels, Token);
        await agent.StartAsync(hub, HostSettings.Merge(
            PipelineRequests.ColourPipeline("here", "colours.txt", model: "channels-here"),
            PipelineRequests.ColourPipeline("there", "colours.txt", model: "channels-elsewhere"),
            new Dictionary<string, string?>
            {
                ["Telemetry:Interval"] = "00:00:00.200",
            }));

        JsonElement device = default;
        await Eventually.UntilAsync(async () =>
        {
            using var admin = AdminApi.AdminClient(hub);
            var devices = await AdminApi.GetJsonAsync(admin, "/api/fleet/devices", Token);
            device = devices.EnumerateArray().SingleOrDefault(d => d.GetProperty("id").GetString() == TestHub.DeviceId);
            return device.ValueKind == JsonValueKind.Object && device.TryGetProperty("pipelines", out var p) && p.GetArrayLength() == 2;
        }, "the device's reported state with its two pipelines", Token);

        var pipelines = device.GetProperty("pipelines").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        pipelines["here"].GetProperty("model").GetString().ShouldBe("channels-here");
        pipelines["here"].GetProperty("modelVersion").GetString().ShouldBe("1");
        pipelines["here"].GetProperty("state").GetString().ShouldBe("ready");
        pipelines["here"].TryGetProperty("reason", out _).ShouldBeFalse();
        pipelines["there"].GetProperty("model").GetString().ShouldBe("channels-elsewhere");
        pipelines["there"].GetProperty("state").GetString().ShouldBe("cloud");
        pipelines["there"].GetProperty("reason").GetString().ShouldBe("the model is served by the hub");

        var stored = await HubStore.DeviceAsync(hub, TestHub.DeviceId, Token);
        var reported = ReportedState.Parser.ParseFrom(stored!.Reported);
        reported.Pipelines.Select(p => p.Name).ShouldBe(["here", "there"]);

        BrowserRunner.SkipUnlessAvailable();
        var page = await BrowserRunner.RunAsync(hub.Uri, TestHub.AdminKey, [TestHub.DeviceId], Token, _scratch.Sub("screenshots"));
        var cells = page.GetProperty("devices").EnumerateArray().Single().GetProperty("cells").EnumerateArray().Select(c => c.GetString()!).ToArray();
        // Columns: device, state, last seen, agent, execution providers, models and pipelines, fallback rate, tags.
        cells[5].ShouldContain("channels-here v1");
        cells[5].ShouldContain("here → channels-here v1 pipeline · ready");
        cells[5].ShouldContain("there → channels-elsewhere pipeline · cloud");
    }

    public void Dispose() => _scratch.Dispose();
}
