using System.Globalization;
using System.Net;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Hub.Batching;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.Cloud;

/// <summary>The hub on its own: device credentials, dynamic batching, deadlines.</summary>
public sealed class HubTests : IAsyncLifetime
{
    private readonly Scratch _scratch = new();
    private TestHub _hub = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _hub = new TestHub(_scratch.Sub("hub"), new Dictionary<string, string?>
        {
            ["Batching:MaxBatchSize"] = "16",
            ["Batching:MaxQueueDelay"] = "00:00:00.050",
            ["Batching:Models:scale:Enabled"] = "false",
        });
        _hub.Install("classifier", SampleModels.Classifier());
        _hub.Install("scale", SampleModels.Scale(2f));
        await _hub.StartAsync();
    }

    [Fact]
    public async Task ModelInfer_ValidDeviceKey_IsServedByCloud()
    {
        var (channel, client, headers) = _hub.Client();
        using (channel)
        {
            float[] input = [1, 2, 3, 4];
            var response = await client.ModelInferAsync(Requests.Fp32("classifier", [1, 4], input), headers, cancellationToken: Token);

            Requests.Fp32Output(response).ShouldBe(SampleModels.ClassifierReference(input), tolerance: 1e-5f);
            response.Parameters["edgeai.served_by"].StringParam.ShouldBe("cloud");
        }
    }

    [Theory]
    [InlineData(null, "missing credentials")]
    [InlineData("wrong-key-wrong-key-wrong", "unknown or wrong device key")]
    [InlineData("", "unknown or wrong device key")]
    public async Task ModelInfer_MissingOrWrongKey_IsUnauthenticated(string? key, string message)
    {
        var (channel, client, headers) = _hub.Client(key);
        using (channel)
        {
            var error = await Should.ThrowAsync<RpcException>(() =>
                client.ModelInferAsync(Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]), headers, cancellationToken: Token).ResponseAsync);

            error.StatusCode.ShouldBe(StatusCode.Unauthenticated);
            error.Status.Detail.ShouldContain(message);
        }
    }

    [Fact]
    public async Task Grpc_WithoutKey_StatusMessageIsEncodedOnceAsTheSpecificationSays()
    {
        // A raw HTTP/2 call, so the header is seen as sent: clients other than grpc-dotnet (grpc-js)
        // decode only what the specification encodes, and URI escaping left them "%3A".
        using var handler = new SocketsHttpHandler();
        var fingerprint = _hub.Fingerprint;
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(certificate.GetRawCertData())) == fingerprint;
        using var http = new HttpClient(handler) { BaseAddress = _hub.Uri, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var content = new ByteArrayContent(new byte[5]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        using var response = await http.PostAsync(new Uri("/inference.GRPCInferenceService/ModelInfer", UriKind.Relative), content, Token);

        response.Headers.GetValues("grpc-status").Single().ShouldBe("16");
        response.Headers.GetValues("grpc-message").Single().ShouldBe("missing credentials: send 'authorization: Bearer <device key>'");
    }

    [Fact]
    public async Task Rest_WithoutKey_Is401_HealthStaysOpen()
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var http = new HttpClient(handler) { BaseAddress = _hub.Uri };

        var (refused, body) = await Requests.PostAsync(http, "/v2/models/classifier/infer", Requests.Json("input", "FP32", [1, 4], [1, 2, 3, 4]), Token);
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        body.RootElement.GetProperty("error").GetString().ShouldBe("missing credentials: send 'authorization: Bearer <device key>'");

        (await http.GetAsync(new Uri("/v2/health/live", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Batching_ConcurrentRequests_MergeAndEqualUnbatchedResults()
    {
        var (channel, client, headers) = _hub.Client();
        using (channel)
        {
            var inputs = Enumerable.Range(0, 12).Select(i => new float[] { i, -i / 3f, i % 4, 0.5f }).ToArray();
            var metrics = _hub.Services.GetRequiredService<BatchingMetrics>();
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
            using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { BaseAddress = _hub.Uri };
            (await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), Token)).ShouldContain("edgeai_hub_batched_requests_total");
        }
    }

    [Fact]
    public async Task ModelInfer_DeadlinePassesWhileQueued_IsDeadlineExceededAndNotRun()
    {
        var (channel, client, headers) = _hub.Client();
        using (channel)
        {
            var metrics = _hub.Services.GetRequiredService<BatchingMetrics>();
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
        var (channel, client, headers) = _hub.Client();
        using (channel)
        {
            var request = Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]);
            request.Parameters["edgeai.deadline_ms"] = new InferParameter { Int64Param = ms };

            var error = await Should.ThrowAsync<RpcException>(() => client.ModelInferAsync(request, headers, cancellationToken: Token).ResponseAsync);

            error.StatusCode.ShouldBe(StatusCode.InvalidArgument);
            error.Status.Detail.ShouldStartWith($"parameter edgeai.deadline_ms is {ms.ToString(CultureInfo.InvariantCulture)}; expected a number of milliseconds greater than 0");
        }
    }

    [Theory]
    [InlineData("/inference.GRPCInferenceService/ModelInfer", "ModelInferRequest")]
    [InlineData("/inference.GRPCInferenceService/ModelMetadata", "ModelMetadataRequest")]
    [InlineData("/edgeai.fleet.v1.Fleet/Enroll", "EnrollRequest")]
    [InlineData("/edgeai.fleet.v1.Fleet/DownloadModel", "DownloadModelRequest")]
    public async Task AnyService_RequestThatDoesNotParse_IsInternalCannotParse(string method, string message)
    {
        using var raw = new Fuzz.RawGrpc(_hub.Uri, TestHub.DeviceKey, _hub.Fingerprint);
        // Field 1 claims 4 GiB of string.
        var frame = Fuzz.MalformedRequests.Frame([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x61]);

        var answer = await raw.CallAsync(method, new Fuzz.GrpcBody(frame, null, "truncated string"), Token);

        answer.Status.ShouldBe((int)StatusCode.Internal, answer.ToString());
        answer.Message.ShouldStartWith("cannot parse the request: ");
        answer.Message.ShouldContain(message);
    }

    [Fact]
    public async Task ModelInfer_BatchingOffForModel_RunsAlone()
    {
        var (channel, client, headers) = _hub.Client();
        using (channel)
        {
            var response = await client.ModelInferAsync(Requests.Fp32("scale", [1, 2], [1, 2]), headers, cancellationToken: Token);

            response.Parameters.ContainsKey("edgeai.batch_size").ShouldBeFalse();
            Requests.Fp32Output(response).ShouldBe([2f, 4f]);
            string.Create(CultureInfo.InvariantCulture, $"{response.ModelVersion}").ShouldBe("1");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _hub.DisposeAsync();
        _scratch.Dispose();
    }
}
