using System.Net;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using Google.Protobuf;
using Grpc.Core;

namespace EdgeAi.IntegrationTests.Serving;

/// <summary>The statistics extension on the real agent: what N successful and M failed inferences leave, over gRPC and REST.</summary>
public sealed class StatisticsTests(AgentFixture agent) : IDisposable
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Statistics_AfterSuccessesAndFailures_CountsAndTimesThem()
    {
        agent.Install("stats-add", SampleModels.AddTwo());
        agent.Loader.Sync();
        const int Successes = 5;
        const int Failures = 3;
        for (var i = 0; i < Successes; i++)
        {
            await agent.Grpc.ModelInferAsync(Add(rowsA: 2, rowsB: 2), cancellationToken: Token);
        }
        for (var i = 0; i < Failures; i++)
        {
            // Fits the signature; Add cannot broadcast 2 rows with 3: the run itself fails.
            var failed = await Should.ThrowAsync<RpcException>(() => agent.Grpc.ModelInferAsync(Add(rowsA: 2, rowsB: 3), cancellationToken: Token).ResponseAsync);
            failed.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        }
        // Refused by the protocol's checks before the model: not counted, as in Triton.
        await Should.ThrowAsync<RpcException>(() => agent.Grpc.ModelInferAsync(Requests.Fp32("stats-add", [1, 3], [1f, 2f, 3f], "a"), cancellationToken: Token).ResponseAsync);

        var stats = (await agent.Grpc.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "stats-add" }, cancellationToken: Token)).ModelStats.Single();

        (stats.Name, stats.Version).ShouldBe(("stats-add", "1"));
        stats.InferenceCount.ShouldBe(2UL * Successes);
        stats.ExecutionCount.ShouldBe((ulong)Successes);
        stats.LastInference.ShouldBeGreaterThan((ulong)DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds());
        var s = stats.InferenceStats;
        s.Success.Count.ShouldBe((ulong)Successes);
        s.Fail.Count.ShouldBe((ulong)Failures);
        s.Queue.Count.ShouldBe((ulong)Successes);
        s.ComputeInfer.Count.ShouldBe((ulong)Successes);
        s.Success.Ns.ShouldBeGreaterThan(0UL);
        s.Fail.Ns.ShouldBeGreaterThan(0UL);
        s.ComputeInput.Ns.ShouldBeGreaterThan(0UL);
        s.ComputeInfer.Ns.ShouldBeGreaterThan(0UL);
        s.ComputeOutput.Ns.ShouldBeGreaterThan(0UL);
        (s.Queue.Ns + s.ComputeInput.Ns + s.ComputeInfer.Ns + s.ComputeOutput.Ns).ShouldBeLessThanOrEqualTo(s.Success.Ns);
        stats.BatchStats.Single().BatchSize.ShouldBe(2UL);
        stats.BatchStats.Single().ComputeInfer.Count.ShouldBe((ulong)Successes);

        var (response, body) = await Requests.GetAsync(agent.Http, "/v2/models/stats-add/versions/1/stats", Token);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var json = body.RootElement.GetProperty("model_stats")[0];
        json.GetProperty("name").GetString().ShouldBe("stats-add");
        json.GetProperty("version").GetString().ShouldBe("1");
        json.GetProperty("inference_count").GetUInt64().ShouldBe(2UL * Successes);
        json.GetProperty("execution_count").GetUInt64().ShouldBe((ulong)Successes);
        json.GetProperty("last_inference").GetUInt64().ShouldBe(stats.LastInference);
        var inference = json.GetProperty("inference_stats");
        inference.GetProperty("success").GetProperty("count").GetUInt64().ShouldBe((ulong)Successes);
        inference.GetProperty("success").GetProperty("ns").GetUInt64().ShouldBe(s.Success.Ns);
        inference.GetProperty("fail").GetProperty("count").GetUInt64().ShouldBe((ulong)Failures);
        foreach (var phase in new[] { "queue", "compute_input", "compute_infer", "compute_output" })
        {
            inference.GetProperty(phase).GetProperty("count").GetUInt64().ShouldBe((ulong)Successes);
        }
        var batch = json.GetProperty("batch_stats")[0];
        batch.GetProperty("batch_size").GetUInt64().ShouldBe(2UL);
        batch.GetProperty("compute_infer").GetProperty("count").GetUInt64().ShouldBe((ulong)Successes);
    }

    [Fact]
    public async Task Statistics_EveryModel_ListsReadyOnesOnly()
    {
        var all = await agent.Grpc.ModelStatisticsAsync(new ModelStatisticsRequest(), cancellationToken: Token);
        all.ModelStats.ShouldContain(m => m.Name == "classifier" && m.Version == "1");
        all.ModelStats.ShouldNotContain(m => m.Name == "corrupt");

        var (response, body) = await Requests.GetAsync(agent.Http, "/v2/models/stats", Token);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        body.RootElement.GetProperty("model_stats").EnumerateArray().ShouldContain(m => m.GetProperty("name").GetString() == "classifier");
        var (one, oneBody) = await Requests.GetAsync(agent.Http, "/v2/models/classifier/stats", Token);
        one.StatusCode.ShouldBe(HttpStatusCode.OK);
        oneBody.RootElement.GetProperty("model_stats").GetArrayLength().ShouldBe(1);
    }

    [Theory]
    [InlineData("nope", "", "model 'nope' is not loaded on this server; only loaded models have statistics")]
    [InlineData("classifier", "7", "model 'classifier' version '7' is not loaded and ready; ready versions: 1")]
    public async Task Statistics_UnknownModelOrVersion_NotFound(string name, string version, string message)
    {
        var error = await Should.ThrowAsync<RpcException>(() => agent.Grpc.ModelStatisticsAsync(new ModelStatisticsRequest { Name = name, Version = version }, cancellationToken: Token).ResponseAsync);
        error.StatusCode.ShouldBe(StatusCode.NotFound);
        error.Status.Detail.ShouldBe(message);

        var path = version.Length == 0 ? $"/v2/models/{name}/stats" : $"/v2/models/{name}/versions/{version}/stats";
        var (response, body) = await Requests.GetAsync(agent.Http, path, Token);
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        body.RootElement.GetProperty("error").GetString().ShouldBe(message);
    }

    [Fact]
    public async Task Statistics_VersionWithoutName_InvalidArgument()
    {
        var error = await Should.ThrowAsync<RpcException>(() => agent.Grpc.ModelStatisticsAsync(new ModelStatisticsRequest { Version = "1" }, cancellationToken: Token).ResponseAsync);

        error.StatusCode.ShouldBe(StatusCode.InvalidArgument);
    }

    [Fact]
    public async Task Cli_ModelsStats_ShowsOneLinePerVersionAndRefusesUnknown()
    {
        await agent.Grpc.ModelInferAsync(Requests.Fp32("scale", [1, 2], [1f, 2f]), cancellationToken: Token);

        var result = await CliRunner.AgentAsync("models", "stats", "scale", "--url", agent.Http.BaseAddress!.ToString());

        result.ExitCode.ShouldBe(0, result.ToString());
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldStartWith("MODEL");
        lines.Length.ShouldBe(2);
        lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[..2].ShouldBe(["scale", "1"]);

        var unknown = await CliRunner.AgentAsync("models", "stats", "nope", "--url", agent.Http.BaseAddress!.ToString());
        unknown.ExitCode.ShouldBe(1);
        unknown.Error.ShouldContain("model 'nope' is not loaded on this server");
    }

    private static ModelInferRequest Add(int rowsA, int rowsB)
    {
        var request = new ModelInferRequest { ModelName = "stats-add" };
        foreach (var (name, rows) in new[] { ("a", rowsA), ("b", rowsB) })
        {
            var tensor = new ModelInferRequest.Types.InferInputTensor { Name = name, Datatype = "FP32" };
            tensor.Shape.AddRange([rows, 3]);
            request.Inputs.Add(tensor);
            request.RawInputContents.Add(ByteString.CopyFrom(new byte[rows * 3 * 4]));
        }
        return request;
    }

    public void Dispose() => agent.VerifyNoErrors();
}
