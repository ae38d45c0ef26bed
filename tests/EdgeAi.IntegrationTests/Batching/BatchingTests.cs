using System.Globalization;
using System.Net;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Hub.Batching;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.Batching;

/// <summary>The hub's dynamic batching: merged requests answer as if run alone, deadlines while queued, models kept out of batches.</summary>
public sealed class BatchingTests() : HubTest(new Dictionary<string, string?>
{
    ["Batching:MaxBatchSize"] = "16",
    ["Batching:MaxQueueDelay"] = "00:00:00.050",
    ["Batching:Models:scale:Enabled"] = "false",
})
{
    public override async ValueTask InitializeAsync()
    {
        Hub.Install("classifier", SampleModels.Classifier());
        Hub.Install("scale", SampleModels.Scale(2f));
        await base.InitializeAsync();
    }

    [Fact]
    public async Task Batching_ConcurrentRequests_MergeAndEqualUnbatchedResults()
    {
        var (channel, client, headers) = Hub.Client();
        using (channel)
        {
            var inputs = Enumerable.Range(0, 12).Select(i => new float[] { i, -i / 3f, i % 4, 0.5f }).ToArray();
            var metrics = Hub.Services.GetRequiredService<BatchingMetrics>();
            var before = metrics.BatchedRequests;

            var concurrent = await Task.WhenAll(inputs.Select(input =>
                client.ModelInferAsync(Requests.Fp32("classifier", [1, 4], input), headers, cancellationToken: Token).ResponseAsync));

            (metrics.BatchedRequests - before).ShouldBeGreaterThanOrEqualTo(2);
            metrics.LargestBatch.ShouldBeGreaterThanOrEqualTo(2);
            for (var i = 0; i < inputs.Length; i++)
            {
                // One at a time, each request runs alone: the batched answer must be the same bytes.
                var alone = await client.ModelInferAsync(Requests.Fp32("classifier", [1, 4], inputs[i]), headers, cancellationToken: Token);
                concurrent[i].RawOutputContents[0].ShouldBe(alone.RawOutputContents[0]);
                concurrent[i].Outputs[0].Shape.ShouldBe([1L, 3L]);
            }
            using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { BaseAddress = Hub.Uri };
            (await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), Token)).ShouldContain("edgeai_hub_batched_requests_total");
        }
    }

    [Fact]
    public async Task ModelInfer_DeadlinePassesWhileQueued_IsDeadlineExceededAndNotRun()
    {
        var (channel, client, headers) = Hub.Client();
        using (channel)
        {
            var metrics = Hub.Services.GetRequiredService<BatchingMetrics>();
            var before = metrics.DeadlineExpired;
            // 1 ms of budget; alone in the queue, it waits the whole MaxQueueDelay (50 ms) for company.
            var request = Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]);
            request.Parameters["edgeai.deadline_ms"] = new InferParameter { Int64Param = 1 };

            var error = await Should.ThrowAsync<RpcException>(() => client.ModelInferAsync(request, headers, cancellationToken: Token).ResponseAsync);

            error.StatusCode.ShouldBe(StatusCode.DeadlineExceeded);
            error.Status.Detail.ShouldContain("the request was not run");
            metrics.DeadlineExpired.ShouldBe(before + 1);
        }
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public async Task ModelInfer_DeadlineOutOfRange_IsInvalidArgumentNotDeadlineExceeded(long ms)
    {
        // A budget of 0 or less (or beyond a day) is a bad argument, not a deadline that passed.
        var (channel, client, headers) = Hub.Client();
        using (channel)
        {
            var request = Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]);
            request.Parameters["edgeai.deadline_ms"] = new InferParameter { Int64Param = ms };

            var error = await Should.ThrowAsync<RpcException>(() => client.ModelInferAsync(request, headers, cancellationToken: Token).ResponseAsync);

            error.StatusCode.ShouldBe(StatusCode.InvalidArgument);
            error.Status.Detail.ShouldStartWith($"parameter edgeai.deadline_ms is {ms.ToString(CultureInfo.InvariantCulture)}; expected a number of milliseconds greater than 0");
        }
    }

    [Fact]
    public async Task ModelInfer_BatchingOffForModel_RunsAlone()
    {
        var (channel, client, headers) = Hub.Client();
        using (channel)
        {
            var response = await client.ModelInferAsync(Requests.Fp32("scale", [1, 2], [1, 2]), headers, cancellationToken: Token);

            response.Parameters.ContainsKey("edgeai.batch_size").ShouldBeFalse();
            Requests.Fp32Output(response).ShouldBe([2f, 4f]);
            string.Create(CultureInfo.InvariantCulture, $"{response.ModelVersion}").ShouldBe("1");
        }
    }
}
