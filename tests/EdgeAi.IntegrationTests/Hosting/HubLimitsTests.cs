using System.Net;
using System.Text;
using EdgeAi.Common.Fleet;
using Grpc.Core;
using static EdgeAi.IntegrationTests.RolloutTestKit;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Hosting;

/// <summary>
/// Every way into the hub reads a bounded amount: admin JSON 1 MiB, inference ModelHost:MaxRequestBytes,
/// model pushes Hub:Registry:MaxArtifactBytes, fleet gRPC requests 64 KiB. Over a limit: 413 or
/// RESOURCE_EXHAUSTED naming it. A message that does not parse is refused as such, by every service.
/// </summary>
public sealed class HubLimitsTests() : HubTest(new Dictionary<string, string?> { ["ModelHost:MaxRequestBytes"] = $"{InferenceLimit}" })
{
    // Above the admin API's 1 MiB, so each limit shows on its own.
    private const int InferenceLimit = 4 * 1024 * 1024;

    /// <summary>A JSON object of about <paramref name="bytes"/> bytes, most of it one string a parser must read to the end.</summary>
    private static string BigJson(int bytes) => $$"""{"model":"{{new string('x', bytes)}}","version":"1"}""";

    [Theory]
    [InlineData("POST", "/api/deployments")]
    [InlineData("POST", "/api/tokens")]
    [InlineData("PUT", "/api/devices/device-a/config")]
    public async Task AdminJson_OverOneMebibyte_413NamingTheLimit(string method, string path)
    {
        using var admin = AdminClient(Hub);
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(BigJson(2 * 1024 * 1024), Encoding.UTF8, "application/json"),
        };
        // As the CLI sends bodies: the 413 answers the headers, so no closed connection races the upload.
        request.Headers.ExpectContinue = true;

        using var response = await admin.SendAsync(request, Token);

        var (status, detail) = await ProblemAsync(response, Token);
        status.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        detail.ShouldBe("the request body is over the admin API's limit of 1048576 bytes (Hub:MaxAdminRequestBytes); admin requests are small JSON documents");
    }

    [Fact]
    public async Task AdminJson_ChunkedWithoutLength_StoppedAtTheLimit()
    {
        using var admin = AdminClient(Hub);
        // No Content-Length: the limit applies as the body streams in. Over HTTP/2, where a server that answers
        // before the body is all sent resets only the stream (on HTTP/1.1 it closes the connection under the
        // client's upload, and which side notices first is a race).
        using var content = new UnsizedContent(Encoding.UTF8.GetBytes(BigJson(3 * 1024 * 1024)));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/deployments", UriKind.Relative))
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await admin.SendAsync(request, Token);

        var (status, detail) = await ProblemAsync(response, Token);
        status.ShouldBe(HttpStatusCode.RequestEntityTooLarge, detail);
    }

    [Fact]
    public async Task ModelPush_OverAdminLimit_StillTakenUpToTheRegistryLimit()
    {
        await PushPastSmallLimitOkAsync(Scratch.Sub("push"), "Hub:MaxAdminRequestBytes", Token);
    }

    [Fact]
    public async Task InferenceRest_OverAdminLimitUnderItsOwn_NotRefusedForSize()
    {
        using var device = AdminClient(Hub, TestHub.DeviceKey);
        var floats = string.Join(',', Enumerable.Repeat("0.5", 500_000));

        using var response = await device.PostAsync(new Uri("/v2/models/nothing/infer", UriKind.Relative),
            new StringContent($$"""{"inputs":[{"name":"input","datatype":"FP32","shape":[1,500000],"data":[{{floats}}]}]}""", Encoding.UTF8, "application/json"), Token);

        // 2 MB: over what the admin API takes, under ModelHost:MaxRequestBytes; the unknown model is what is wrong.
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound, await response.Content.ReadAsStringAsync(Token));
    }

    [Fact]
    public async Task InferenceGrpc_OverMaxRequestBytes_ResourceExhaustedNamingTheLimit()
    {
        var (channel, client, headers) = Hub.Client();
        using var _ = channel;
        var floats = (InferenceLimit / 4) + 1024;

        var error = await Should.ThrowAsync<RpcException>(() =>
            client.ModelInferAsync(Requests.Fp32("nothing", [1, floats], new float[floats]), headers, cancellationToken: Token).ResponseAsync);

        error.StatusCode.ShouldBe(StatusCode.ResourceExhausted, error.ToString());
        error.Status.Detail.ShouldStartWith("the request message is ");
        error.Status.Detail.ShouldEndWith($" bytes, over the limit of {InferenceLimit} bytes (ModelHost:MaxRequestBytes)");
    }

    [Fact]
    public async Task Enroll_MessageOver64KiB_ResourceExhaustedBeforeAnyTokenCheck()
    {
        var (channel, _, _) = Hub.Client(key: null);
        using var _ = channel;

        // Enroll is open to anyone who can reach the hub: it must not read 64 MiB from them.
        var error = await Should.ThrowAsync<RpcException>(() => new Common.Fleet.Fleet.FleetClient(channel).EnrollAsync(
            new EnrollRequest { Token = new string('t', 100_000), Hostname = "big" }, cancellationToken: Token).ResponseAsync);

        error.StatusCode.ShouldBe(StatusCode.ResourceExhausted);
        error.Status.Detail.ShouldEndWith(" bytes, over the limit of 65536 bytes (the fleet service's limit: enrollment and download requests are small)");
    }

    [Theory]
    [InlineData("/inference.GRPCInferenceService/ModelInfer", "ModelInferRequest")]
    [InlineData("/inference.GRPCInferenceService/ModelMetadata", "ModelMetadataRequest")]
    [InlineData("/edgeai.fleet.v1.Fleet/Enroll", "EnrollRequest")]
    [InlineData("/edgeai.fleet.v1.Fleet/DownloadModel", "DownloadModelRequest")]
    public async Task AnyService_RequestThatDoesNotParse_IsInternalCannotParse(string method, string message)
    {
        using var raw = new Fuzz.RawGrpc(Hub.Uri, TestHub.DeviceKey, Hub.Fingerprint);
        // Field 1 claims 4 GiB of string.
        var frame = Fuzz.MalformedRequests.Frame([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x61]);

        var answer = await raw.CallAsync(method, new Fuzz.GrpcBody(frame, null, "truncated string"), Token);

        answer.Status.ShouldBe((int)StatusCode.Internal, answer.ToString());
        answer.Message.ShouldStartWith("cannot parse the request: ");
        answer.Message.ShouldContain(message);
    }


    /// <summary>A body whose length is not known up front (no Content-Length header).</summary>
    private sealed class UnsizedContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
