using System.Net;
using System.Net.Http.Headers;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using Grpc.Core;

namespace EdgeAi.IntegrationTests.Repository;

/// <summary>
/// The model repository and statistics extensions on the real hub: a device may read the index and statistics but not
/// load or unload the fleet's models (the admin key may); the batcher's merged runs show in the statistics.
/// </summary>
public sealed class HubRepositoryTests() : HubTest(new Dictionary<string, string?>
{
    ["Batching:MaxBatchSize"] = "16",
    ["Batching:MaxQueueDelay"] = "00:00:00.050",
})
{
    private const string DeviceRefusal =
        "loading and unloading the hub's models changes them for every device: it needs the admin key (authorization: Bearer <admin key>); a device key may only read the repository index and statistics";

    public override async ValueTask InitializeAsync()
    {
        Hub.Install("classifier", SampleModels.Classifier());
        await base.InitializeAsync();
    }

    [Fact]
    public async Task DeviceKey_IndexAllowedLoadAndUnloadPermissionDenied()
    {
        var (channel, client, headers) = Hub.Client();
        using (channel)
        {
            var index = await client.RepositoryIndexAsync(new RepositoryIndexRequest(), headers, cancellationToken: Token);
            index.Models.Single().ShouldSatisfyAllConditions(m => m.Name.ShouldBe("classifier"), m => m.State.ShouldBe("READY"));

            var unload = await Should.ThrowAsync<RpcException>(() =>
                client.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "classifier" }, headers, cancellationToken: Token).ResponseAsync);
            unload.StatusCode.ShouldBe(StatusCode.PermissionDenied);
            unload.Status.Detail.ShouldBe(DeviceRefusal);
            var load = await Should.ThrowAsync<RpcException>(() =>
                client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "classifier" }, headers, cancellationToken: Token).ResponseAsync);
            load.StatusCode.ShouldBe(StatusCode.PermissionDenied);
            (await client.ModelReadyAsync(new ModelReadyRequest { Name = "classifier" }, headers, cancellationToken: Token)).Ready.ShouldBeTrue();
        }
        using var http = Http(TestHub.DeviceKey);
        using var response = await http.PostAsync(new Uri("/v2/repository/models/classifier/unload", UriKind.Relative), null, Token);
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync(Token)).ShouldContain("it needs the admin key");
        using var index2 = await http.PostAsync(new Uri("/v2/repository/index", UriKind.Relative), null, Token);
        index2.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task AdminKey_UnloadThenLoad_DevicesSeeItNotReadyThenReady()
    {
        var (adminChannel, admin, adminHeaders) = Hub.Client(TestHub.AdminKey);
        var (channel, device, headers) = Hub.Client();
        using (adminChannel)
        using (channel)
        {
            await admin.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "classifier" }, adminHeaders, cancellationToken: Token);

            (await device.ModelReadyAsync(new ModelReadyRequest { Name = "classifier" }, headers, cancellationToken: Token)).Ready.ShouldBeFalse();
            var refused = await Should.ThrowAsync<RpcException>(() =>
                device.ModelInferAsync(Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]), headers, cancellationToken: Token).ResponseAsync);
            refused.StatusCode.ShouldBe(StatusCode.Unavailable);

            using var http = Http(TestHub.AdminKey);
            using var load = await http.PostAsync(new Uri("/v2/repository/models/classifier/load", UriKind.Relative), null, Token);
            load.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await device.ModelReadyAsync(new ModelReadyRequest { Name = "classifier" }, headers, cancellationToken: Token)).Ready.ShouldBeTrue();
        }
    }

    [Fact]
    public async Task NoKey_RepositoryCallsUnauthenticated()
    {
        var (channel, client, headers) = Hub.Client(key: null);
        using (channel)
        {
            var error = await Should.ThrowAsync<RpcException>(() => client.RepositoryIndexAsync(new RepositoryIndexRequest(), headers, cancellationToken: Token).ResponseAsync);
            error.StatusCode.ShouldBe(StatusCode.Unauthenticated);
        }
    }

    [Fact]
    public async Task Statistics_ConcurrentRequests_BatchedRunsCountedPerRequestAndPerBatchSize()
    {
        var (channel, client, headers) = Hub.Client();
        using (channel)
        {
            const int Requests = 12;
            await Task.WhenAll(Enumerable.Range(0, Requests).Select(i =>
                client.ModelInferAsync(IntegrationTests.Requests.Fp32("classifier", [1, 4], [i, 1, 2, 3]), headers, cancellationToken: Token).ResponseAsync));

            var stats = (await client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "classifier", Version = "1" }, headers, cancellationToken: Token)).ModelStats.Single();

            stats.InferenceStats.Success.Count.ShouldBe((ulong)Requests);
            stats.InferenceCount.ShouldBe((ulong)Requests);
            stats.ExecutionCount.ShouldBeLessThan((ulong)Requests);
            stats.BatchStats.ShouldContain(b => b.BatchSize > 1);
            stats.BatchStats.Sum(b => (long)(b.BatchSize * b.ComputeInfer.Count)).ShouldBe(Requests);
            stats.BatchStats.Sum(b => (long)b.ComputeInfer.Count).ShouldBe((long)stats.ExecutionCount);
            // Merged requests waited in the batcher's queue for company: that is their queue time.
            stats.InferenceStats.Queue.Ns.ShouldBeGreaterThan(0UL);
            var s = stats.InferenceStats;
            (s.Queue.Ns + s.ComputeInput.Ns + s.ComputeInfer.Ns + s.ComputeOutput.Ns).ShouldBeLessThanOrEqualTo(s.Success.Ns);

            // Queued for company past its 1 ms deadline, never run: a failure of the version, as Triton counts a queue timeout.
            var late = IntegrationTests.Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]);
            late.Parameters["edgeai.deadline_ms"] = new InferParameter { Int64Param = 1 };
            (await Should.ThrowAsync<RpcException>(() => client.ModelInferAsync(late, headers, cancellationToken: Token).ResponseAsync)).StatusCode.ShouldBe(StatusCode.DeadlineExceeded);
            var after = (await client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "classifier" }, headers, cancellationToken: Token)).ModelStats.Single();
            after.InferenceStats.Fail.Count.ShouldBe(1UL);
            after.InferenceStats.Success.Count.ShouldBe((ulong)Requests);

            var metadata = await client.ServerMetadataAsync(new ServerMetadataRequest(), headers, cancellationToken: Token);
            metadata.Extensions.ShouldContain("model_repository");
            metadata.Extensions.ShouldContain("statistics");
        }
    }

    private HttpClient Http(string key)
    {
        var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { BaseAddress = Hub.Uri };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }
}
