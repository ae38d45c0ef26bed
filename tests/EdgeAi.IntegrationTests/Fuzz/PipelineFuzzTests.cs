using System.Text;
using EdgeAi.IntegrationTests.Pipelines;

namespace EdgeAi.IntegrationTests.Fuzz;

/// <summary>
/// Image pipelines under fuzz: damaged real photos and damaged requests to a pipeline over a local model and to one
/// whose model only the hub has. No answer may be a server error, UNKNOWN or UNAVAILABLE (both models are there);
/// afterwards both pipelines still answer a whole photo correctly and every other surface is alive.
/// </summary>
public sealed partial class ProtocolFuzzTests
{
    private const int ImageIterations = 200;

    private static readonly string[] FuzzPhotos = ["rocket.jpg", "chelsea.png", "truncated.jpg"];

    [Fact]
    public async Task AgentPipelinesGrpc_DamagedImagesAndRequests_AnswerWhatWasWrong()
    {
        var random = FuzzSeed.For("agent-pipelines-grpc");
        var fuzz = new MalformedImages(random, [.. FuzzPhotos.Select(TestImages.Read)]);
        var parameters = new MalformedRequests(random);
        var verdict = new FuzzVerdict("agent gRPC pipelines");
        for (var i = 0; i < ImageIterations; i++)
        {
            var pipeline = fuzz.Chance(0.7) ? FuzzHosts.LocalPipeline : FuzzHosts.HubPipeline;
            var (image, damage) = fuzz.Image();
            var (request, shape) = fuzz.Request(pipeline, image);
            if (fuzz.Chance(0.2))
            {
                // The protocol fuzz's parameters (routes, deadlines, junk), which the pipeline passes on to its model step.
                parameters.AddParameters(request.Parameters);
                shape += " parameters " + string.Join(" ", request.Parameters.Select(p => $"{p.Key}={p.Value}"));
            }
            await CallAsync(verdict, i, $"{pipeline} {damage} as {shape}", () => hosts.Agent.Grpc.ModelInferAsync(request, cancellationToken: Token).ResponseAsync);
        }
        verdict.ShouldHaveNone();
        await AssertPipelinesServeAsync();
        await AssertAliveAsync();
    }

    [Fact]
    public async Task AgentPipelinesRest_DamagedImagesAndBodies_NeverAnswer5xx()
    {
        var fuzz = new MalformedImages(FuzzSeed.For("agent-pipelines-rest"), [.. FuzzPhotos.Select(TestImages.Read)]);
        var verdict = new FuzzVerdict("agent REST pipelines");
        using var http = new HttpClient { BaseAddress = hosts.AgentHttp, Timeout = TimeSpan.FromSeconds(30) };
        for (var i = 0; i < ImageIterations; i++)
        {
            var pipeline = fuzz.Chance(0.7) ? FuzzHosts.LocalPipeline : FuzzHosts.HubPipeline;
            var (image, damage) = fuzz.Image();
            var (json, form) = fuzz.Json(pipeline, image);
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/v2/models/{pipeline}/infer", UriKind.Relative))
            {
                Content = new StringContent(json, Encoding.UTF8, "application/json"),
            };
            await RestAsync(verdict, i, $"{pipeline} {damage} as {form}", http, request);
        }
        verdict.ShouldHaveNone();
        await AssertPipelinesServeAsync();
        await AssertAliveAsync();
    }

    /// <summary>Both pipelines answer a whole photo as the colour classifier computes it without them.</summary>
    private async Task AssertPipelinesServeAsync()
    {
        var photo = TestImages.Read("rocket.jpg");
        var (labels, _) = PipelineRequests.Expected(photo);
        var expected = labels.Select(l => Array.IndexOf(PipelineRequests.ColourLabels, l).ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        foreach (var (pipeline, servedBy) in new[] { (FuzzHosts.LocalPipeline, "local"), (FuzzHosts.HubPipeline, "cloud") })
        {
            var response = await hosts.Agent.Grpc.ModelInferAsync(PipelineRequests.Image(pipeline, photo), cancellationToken: Token);
            PipelineRequests.Classes(response).Labels.ShouldBe(expected, $"{pipeline} after the fuzz");
            response.Parameters["edgeai.served_by"].StringParam.ShouldBe(servedBy);
        }
    }
}
