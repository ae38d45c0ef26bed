using System.Net;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using Grpc.Core;

namespace EdgeAi.IntegrationTests.Serving;

/// <summary>The model repository extension on the real agent, over gRPC and REST, against its model store and rescans.</summary>
public sealed class RepositoryTests(AgentFixture agent) : IDisposable
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Index_ListsStatesWithTheFailedModelsReason()
    {
        var index = await agent.Grpc.RepositoryIndexAsync(new RepositoryIndexRequest(), cancellationToken: Token);

        var classifier = index.Models.Single(m => m.Name == "classifier");
        (classifier.Version, classifier.State, classifier.Reason).ShouldBe(("1", "READY", ""));
        var corrupt = index.Models.Single(m => m.Name == "corrupt");
        corrupt.State.ShouldBe("UNAVAILABLE");
        corrupt.Reason.ShouldNotBeNullOrEmpty();
        index.Models.Single(m => m.Name == "tampered").Reason.ShouldStartWith("model file changed since it was installed");

        var ready = await agent.Grpc.RepositoryIndexAsync(new RepositoryIndexRequest { Ready = true }, cancellationToken: Token);
        ready.Models.ShouldAllBe(m => m.State == "READY");
        ready.Models.ShouldContain(m => m.Name == "classifier");
        ready.Models.ShouldNotContain(m => m.Name == "corrupt");
    }

    [Fact]
    public async Task UnloadThenRescanThenLoad_Grpc_NotReadyUntilLoadedAgain()
    {
        agent.Install("repo-grpc", SampleModels.Scale(2f));
        agent.Loader.Sync();

        var unload = new RepositoryModelUnloadRequest { ModelName = "repo-grpc" };
        unload.Parameters["unload_dependents"] = new ModelRepositoryParameter { BoolParam = false }; // as Triton's client sends it
        await agent.Grpc.RepositoryModelUnloadAsync(unload, cancellationToken: Token);
        agent.Loader.Sync();

        (await agent.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "repo-grpc" }, cancellationToken: Token)).Ready.ShouldBeFalse();
        var refused = await Should.ThrowAsync<RpcException>(() => agent.Grpc.ModelInferAsync(Requests.Fp32("repo-grpc", [1, 1], [1f]), cancellationToken: Token).ResponseAsync);
        refused.StatusCode.ShouldBe(StatusCode.Unavailable);
        refused.Status.Detail.ShouldBe("model 'repo-grpc' version 1 is not ready: unloaded");
        var entry = (await agent.Grpc.RepositoryIndexAsync(new RepositoryIndexRequest(), cancellationToken: Token)).Models.Single(m => m.Name == "repo-grpc");
        (entry.State, entry.Reason).ShouldBe(("UNAVAILABLE", "unloaded"));

        await agent.Grpc.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "repo-grpc" }, cancellationToken: Token);

        (await agent.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "repo-grpc" }, cancellationToken: Token)).Ready.ShouldBeTrue();
        var response = await agent.Grpc.ModelInferAsync(Requests.Fp32("repo-grpc", [1, 2], [1f, 2f]), cancellationToken: Token);
        Requests.Fp32Output(response).ShouldBe([2f, 4f]);
    }

    [Fact]
    public async Task UnloadThenLoad_Rest_NotReadyThenReady()
    {
        agent.Install("repo-rest", SampleModels.Scale(3f));
        agent.Loader.Sync();

        // As Triton's HTTP client sends it.
        var (unload, _) = await PostAsync("/v2/repository/models/repo-rest/unload", """{"parameters": {"unload_dependents": false}}""");
        unload.StatusCode.ShouldBe(HttpStatusCode.OK);
        agent.Loader.Sync();
        (await agent.Http.GetAsync(new Uri("/v2/models/repo-rest/ready", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var (index, body) = await PostAsync("/v2/repository/index", """{"ready": false}""");
        index.StatusCode.ShouldBe(HttpStatusCode.OK);
        var entry = body.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == "repo-rest");
        entry.GetProperty("version").GetString().ShouldBe("1");
        entry.GetProperty("state").GetString().ShouldBe("UNAVAILABLE");
        entry.GetProperty("reason").GetString().ShouldBe("unloaded");

        var (load, _) = await PostAsync("/v2/repository/models/repo-rest/load", """{"parameters": {}}""");

        load.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await agent.Http.GetAsync(new Uri("/v2/models/repo-rest/ready", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var (_, ready) = await PostAsync("/v2/repository/index", """{"ready": true}""");
        ready.RootElement.EnumerateArray().ShouldContain(e => e.GetProperty("name").GetString() == "repo-rest");
    }

    [Fact]
    public async Task LoadAndUnload_UnknownModel_NotFound()
    {
        var load = await Should.ThrowAsync<RpcException>(() => agent.Grpc.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "ghost" }, cancellationToken: Token).ResponseAsync);
        load.StatusCode.ShouldBe(StatusCode.NotFound);
        load.Status.Detail.ShouldBe($"model 'ghost' is not in the model store ({agent.Store.Root}); install it there first");
        var unload = await Should.ThrowAsync<RpcException>(() => agent.Grpc.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "ghost" }, cancellationToken: Token).ResponseAsync);
        unload.StatusCode.ShouldBe(StatusCode.NotFound);

        var (response, body) = await PostAsync("/v2/repository/models/ghost/unload", "");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        body.RootElement.GetProperty("error").GetString().ShouldBe("model 'ghost' is neither loaded nor in the model store; nothing to unload");
    }

    [Fact]
    public async Task Load_ModelThatFails_UnavailableWithTheReason()
    {
        var error = await Should.ThrowAsync<RpcException>(() => agent.Grpc.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "tampered" }, cancellationToken: Token).ResponseAsync);

        error.StatusCode.ShouldBe(StatusCode.Unavailable);
        error.Status.Detail.ShouldStartWith("failed to load model 'tampered': version 1: ");
        error.Status.Detail.ShouldContain("model file changed since it was installed");
    }

    [Theory]
    [InlineData("/v2/repository/index", """{"ready": "yes"}""", "'ready' must be a boolean (true or false), got a string")]
    [InlineData("/v2/repository/index", """{"ready": 1}""", "'ready' must be a boolean (true or false), got a number")]
    [InlineData("/v2/repository/index", """{"ready": true""", "request body is not valid JSON: ")]
    [InlineData("/v2/repository/index", """[true]""", "request body must be a JSON object, got an array")]
    [InlineData("/v2/repository/index", """{"readiness": true}""", "unknown member 'readiness' in the index request; it takes only 'ready' (a boolean)")]
    [InlineData("/v2/repository/models/classifier/load", """{"parameters": {"config": "{}"}}""", "load parameter 'config' is not supported: models load from the model store as installed (no 'config' or 'file:' overrides)")]
    [InlineData("/v2/repository/models/classifier/unload", """{"parameters": []}""", "'parameters' must be an object, got an array")]
    [InlineData("/v2/repository/models/classifier/unload", """{"parameters": {"unload_dependents": "no"}}""", "'unload_dependents' must be a boolean, got a string")]
    [InlineData("/v2/repository/models/classifier/unload", """{"params": {}}""", "unknown member 'params' in the unload request; it takes only 'parameters' (an object)")]
    public async Task Rest_BadBody_Is400Naming(string path, string json, string message)
    {
        var (response, body) = await PostAsync(path, json);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        body.RootElement.GetProperty("error").GetString()!.ShouldStartWith(message);
    }

    [Fact]
    public async Task Grpc_OtherRepositoryOrParameters_Refused()
    {
        var repository = await Should.ThrowAsync<RpcException>(() => agent.Grpc.RepositoryIndexAsync(new RepositoryIndexRequest { RepositoryName = "other" }, cancellationToken: Token).ResponseAsync);
        repository.StatusCode.ShouldBe(StatusCode.NotFound);
        repository.Status.Detail.ShouldBe("unknown repository 'other'; this server has one, its model store: leave repository_name empty");

        var request = new RepositoryModelUnloadRequest { ModelName = "classifier" };
        request.Parameters["unload_dependents"] = new ModelRepositoryParameter { StringParam = "true" };
        var parameters = await Should.ThrowAsync<RpcException>(() => agent.Grpc.RepositoryModelUnloadAsync(request, cancellationToken: Token).ResponseAsync);
        parameters.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        parameters.Status.Detail.ShouldBe("'unload_dependents' must be a bool_param, got StringParam");
        var load = new RepositoryModelLoadRequest { ModelName = "classifier" };
        load.Parameters["file:1/model.onnx"] = new ModelRepositoryParameter { BytesParam = Google.Protobuf.ByteString.CopyFrom(1, 2) };
        (await Should.ThrowAsync<RpcException>(() => agent.Grpc.RepositoryModelLoadAsync(load, cancellationToken: Token).ResponseAsync)).StatusCode.ShouldBe(StatusCode.InvalidArgument);
        (await agent.Grpc.ModelReadyAsync(new ModelReadyRequest { Name = "classifier" }, cancellationToken: Token)).Ready.ShouldBeTrue();

        var empty = await Should.ThrowAsync<RpcException>(() => agent.Grpc.RepositoryModelLoadAsync(new RepositoryModelLoadRequest(), cancellationToken: Token).ResponseAsync);
        empty.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        empty.Status.Detail.ShouldBe("model_name is empty; name the model to load");
    }

    [Fact]
    public async Task ServerMetadata_ListsBothExtensions()
    {
        var metadata = await agent.Grpc.ServerMetadataAsync(new ServerMetadataRequest(), cancellationToken: Token);

        metadata.Extensions.ShouldContain("model_repository");
        metadata.Extensions.ShouldContain("statistics");
    }

    /// <summary>Load and unload answer 200 with an empty body, as Triton does: the body is parsed only when there is one.</summary>
    private async Task<(HttpResponseMessage Response, System.Text.Json.JsonDocument Body)> PostAsync(string path, string json)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var response = await agent.Http.PostAsync(new Uri(path, UriKind.Relative), content, Token);
        var text = await response.Content.ReadAsStringAsync(Token);
        return (response, System.Text.Json.JsonDocument.Parse(text.Length == 0 ? "{}" : text));
    }

    public void Dispose() => agent.VerifyNoErrors();
}
