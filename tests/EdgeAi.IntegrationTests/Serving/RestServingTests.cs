using System.Net;
using EdgeAi.Common.Onnx;

namespace EdgeAi.IntegrationTests.Serving;

public sealed class RestServingTests(AgentFixture agent) : IDisposable
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_LiveReadyAndHealthz()
    {
        var (live, liveBody) = await Requests.GetAsync(agent.Http, "/v2/health/live", Token);
        live.StatusCode.ShouldBe(HttpStatusCode.OK);
        liveBody.RootElement.GetProperty("live").GetBoolean().ShouldBeTrue();
        var (ready, _) = await Requests.GetAsync(agent.Http, "/v2/health/ready", Token);
        ready.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await agent.Http.GetStringAsync(new Uri("/healthz", UriKind.Relative), Token)).ShouldBe("ok");
    }

    [Fact]
    public async Task ModelMetadata_ListsTensorsWithDynamicDimensions()
    {
        var (response, body) = await Requests.GetAsync(agent.Http, "/v2/models/classifier", Token);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var input = body.RootElement.GetProperty("inputs")[0];
        input.GetProperty("name").GetString().ShouldBe("input");
        input.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ShouldBe([-1L, 4L]);
        body.RootElement.GetProperty("parameters").GetProperty("edgeai.execution_provider").GetString().ShouldBe("CPU");
    }

    [Fact]
    public async Task Infer_Classifier_MatchesReference()
    {
        float[] input = [0.5f, -1f, 1.5f, 2f, 0f, 1f, 0f, 1f];

        var (response, body) = await Requests.PostAsync(agent.Http, "/v2/models/classifier/infer", Requests.Json("input", "FP32", [2, 4], input), Token);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        Requests.Data(body).ShouldBe(SampleModels.ClassifierReference(input), tolerance: 1e-5f);
        body.RootElement.GetProperty("parameters").GetProperty("edgeai.served_by").GetString().ShouldBe("local");
        body.RootElement.GetProperty("outputs")[0].GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ShouldBe([2L, 3L]);
    }

    [Fact]
    public async Task Infer_VersionedRouteAndDynamicShape_Works()
    {
        var (response, body) = await Requests.PostAsync(agent.Http, "/v2/models/scale/versions/1/infer", Requests.Json("input", "FP32", [3, 2], [1, 2, 3, 4, 5, 6]), Token);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        Requests.Data(body).ShouldBe([2f, 4f, 6f, 8f, 10f, 12f]);
    }

    [Fact]
    public async Task Infer_UnknownModel_Is404ProblemWithError()
    {
        var (response, body) = await Requests.PostAsync(agent.Http, "/v2/models/nope/infer", Requests.Json("input", "FP32", [1], [1]), Token);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        body.RootElement.GetProperty("error").GetString().ShouldBe("model 'nope' is not installed on this server");
        body.RootElement.GetProperty("status").GetInt32().ShouldBe(404);
    }

    [Fact]
    public async Task Metadata_UnknownVersion_Is404()
    {
        var (response, _) = await Requests.GetAsync(agent.Http, "/v2/models/classifier/versions/9", Token);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("FP64", "[1,4]", "[1,2,3,4]", "input 'input': datatype FP64 does not match the model's FP32")]
    [InlineData("FP32", "[4]", "[1,2,3,4]", "input 'input': shape [4] has rank 1, the model expects rank 2 [-1,4]")]
    [InlineData("FP32", "[1,5]", "[1,2,3,4,5]", "input 'input': dimension 1 is 5, the model expects 4 (shape [-1,4])")]
    [InlineData("FP32", "[1,4]", "[1,2,3]", "input 'input': 3 values in data, shape [1,4] needs 4")]
    public async Task Infer_BadInput_Is400NamingTheTensor(string datatype, string shape, string data, string message)
    {
        var json = $$"""{"inputs":[{"name":"input","datatype":"{{datatype}}","shape":{{shape}},"data":{{data}}}]}""";

        var (response, body) = await Requests.PostAsync(agent.Http, "/v2/models/classifier/infer", json, Token);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        body.RootElement.GetProperty("error").GetString().ShouldBe(message);
    }

    [Fact]
    public async Task Infer_MalformedJson_Is400()
    {
        var (response, body) = await Requests.PostAsync(agent.Http, "/v2/models/classifier/infer", """{"inputs": [""", Token);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        body.RootElement.GetProperty("error").GetString()!.ShouldStartWith("request body is not valid JSON");
    }

    [Fact]
    public async Task Infer_BodyOverSizeLimit_Is413()
    {
        var count = AgentFixture.MaxRequestBytes / 2;
        var json = Requests.Json("input", "FP32", [1, count], new float[count]);

        // Expect: 100-continue lets the agent refuse before the body is sent, as a careful client would;
        // without it the client may still be uploading when the refused connection closes.
        using var message = new HttpRequestMessage(HttpMethod.Post, "/v2/models/scale/infer") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        message.Headers.ExpectContinue = true;
        using var response = await agent.Http.SendAsync(message, Token);
        using var body = await System.Text.Json.JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(Token), default, Token);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        body.RootElement.GetProperty("error").GetString()!.ShouldContain("over the configured limit");
    }

    [Fact]
    public async Task CorruptModel_ReadyIs503AndInferIs503()
    {
        var (ready, readyBody) = await Requests.GetAsync(agent.Http, "/v2/models/corrupt/ready", Token);
        ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        readyBody.RootElement.GetProperty("ready").GetBoolean().ShouldBeFalse();

        var (infer, inferBody) = await Requests.PostAsync(agent.Http, "/v2/models/corrupt/infer", Requests.Json("input", "FP32", [1, 4], [1, 2, 3, 4]), Token);
        infer.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        inferBody.RootElement.GetProperty("error").GetString()!.ShouldContain("is not ready");

        var (good, _) = await Requests.GetAsync(agent.Http, "/v2/models/classifier/ready", Token);
        good.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Infer_ConcurrentRestAndGrpc_AllAnswerCorrectly()
    {
        var rest = Enumerable.Range(0, 16).Select(async i =>
        {
            float[] input = [i, 1, -i, 0.5f];
            var (response, body) = await Requests.PostAsync(agent.Http, "/v2/models/classifier/infer", Requests.Json("input", "FP32", [1, 4], input), Token);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            Requests.Data(body).ShouldBe(SampleModels.ClassifierReference(input), tolerance: 1e-5f);
        });
        var grpc = Enumerable.Range(0, 16).Select(async i =>
        {
            float[] input = [-i, 2, i, 0.25f];
            var response = await agent.Grpc.ModelInferAsync(Requests.Fp32("classifier", [1, 4], input), cancellationToken: Token);
            Requests.Fp32Output(response).ShouldBe(SampleModels.ClassifierReference(input), tolerance: 1e-5f);
        });

        await Task.WhenAll(rest.Concat(grpc));
    }

    public void Dispose() => agent.VerifyNoErrors();
}
