using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using EdgeAi.Common.Inference;
using EdgeAi.IntegrationTests.Fuzz;
using Google.Protobuf;
using Grpc.Core;

namespace EdgeAi.IntegrationTests.Serving;

/// <summary>
/// Caller input the agent must answer as the caller's mistake (4xx, INVALID_ARGUMENT, RESOURCE_EXHAUSTED,
/// an explicit parse failure), never as a server error: numbers past their range, bodies that are not
/// UTF-8 or not framed right, messages that are not protobuf.
/// </summary>
public sealed class RequestInputTests(AgentFixture agent) : IDisposable
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rest_InvalidUtf8InsideAString_Is400NamingTheOffset()
    {
        byte[] body = [.. """{"id":"""u8, (byte)'"', 0xFF, (byte)'"', .. ""","inputs":[]}"""u8];

        var (status, detail) = await PostAsync("/v2/models/classifier/infer", body);

        status.ShouldBe(HttpStatusCode.BadRequest);
        detail.ShouldBe("request body is not valid UTF-8: byte 0xFF at offset 7 does not start or continue a UTF-8 character (JSON text must be UTF-8)");
    }

    [Theory]
    [InlineData("FFFFFFFFFFFFFFFF")]
    [InlineData("10000000000000000")]
    [InlineData("7FFFFFFFFFFFFFFF")]
    public async Task Rest_ChunkSizePastWhatFits_Is400(string chunkSize)
    {
        var json = Encoding.UTF8.GetBytes(Requests.Json("input", "FP32", [1, 4], [1, 2, 3, 4]));
        byte[] body = [.. Encoding.ASCII.GetBytes(chunkSize + "\r\n"), .. json, .. "\r\n0\r\n\r\n"u8];
        var request = RawHttp.Request("POST", "/v2/models/classifier/infer", agent.Http.BaseAddress!.Authority,
            ["Content-Type: application/json", "Transfer-Encoding: chunked"], body);

        var (status, head) = await RawHttp.SendAsync(agent.Http.BaseAddress, request, fingerprint: null, shut: false, Token);

        status.ShouldBe(400, head);
    }

    /// <summary>The extensions' small JSON bodies are read as inference bodies are: broken chunk framing is the caller's 400, not a 500.</summary>
    [Theory]
    [InlineData("/v2/systemsharedmemory/region/r/register")]
    [InlineData("/v2/repository/models/classifier/load")]
    [InlineData("/v2/repository/index")]
    public async Task Rest_ExtensionBodyWithBrokenChunking_Is400(string path)
    {
        byte[] body = [.. "FFFFFFFFFFFFFFFF\r\n"u8, .. "{}"u8, .. "\r\n0\r\n\r\n"u8];
        var request = RawHttp.Request("POST", path, agent.Http.BaseAddress!.Authority,
            ["Content-Type: application/json", "Transfer-Encoding: chunked"], body);

        var (status, head) = await RawHttp.SendAsync(agent.Http.BaseAddress, request, fingerprint: null, shut: false, Token);

        status.ShouldBe(400, head);
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-5")]
    [InlineData("0")]
    [InlineData("\"abc\"")]
    [InlineData("9223372036854775807")]
    [InlineData("18446744073709551615")]
    public async Task Rest_DeadlineOutOfRange_Is400NamingTheParameter(string value)
    {
        var json = $$"""{"parameters":{"edgeai.deadline_ms":{{value}}},"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]}]}""";

        var (status, detail) = await PostAsync("/v2/models/classifier/infer", Encoding.UTF8.GetBytes(json));

        status.ShouldBe(HttpStatusCode.BadRequest);
        detail.ShouldContain("edgeai.deadline_ms");
    }

    [Fact]
    public async Task Rest_OverflowingShape_Is413NamingTheLimit()
    {
        var json = """{"inputs":[{"name":"input","datatype":"FP32","shape":[4,4611686018427387904],"data":[1]}]}""";

        var (status, detail) = await PostAsync("/v2/models/scale/infer", Encoding.UTF8.GetBytes(json));

        status.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        detail.ShouldStartWith($"input 'input': shape [4,4611686018427387904] is over the limit of {AgentFixture.MaxRequestBytes} bytes per tensor");
    }

    [Fact]
    public async Task Grpc_MessageThatDoesNotParse_IsInternalCannotParse()
    {
        // Field 1 (model_name) claims 4 GiB of string.
        var answer = await RawCallAsync(MalformedRequests.Frame([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x61]));

        answer.Status.ShouldBe((int)StatusCode.Internal, answer.ToString());
        answer.Message.ShouldStartWith("cannot parse the request: ");
        answer.Message.ShouldContain("ModelInferRequest");
    }

    [Fact]
    public async Task Grpc_CompressedFlagNeitherZeroNorOne_IsInternalCannotParse()
    {
        var message = Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]).ToByteArray();
        var frame = MalformedRequests.Frame(message);
        frame[0] = 7;

        var answer = await RawCallAsync(frame);

        answer.Status.ShouldBe((int)StatusCode.Internal, answer.ToString());
        answer.Message.ShouldBe("cannot parse the request: the message's compressed flag is 7; gRPC allows 0 (plain) or 1 (compressed)");
    }

    [Fact]
    public async Task Grpc_LengthPrefixPastInt32_IsResourceExhausted()
    {
        byte[] frame = [0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3];

        var answer = await RawCallAsync(frame);

        answer.Status.ShouldBe((int)StatusCode.ResourceExhausted, answer.ToString());
        answer.Message.ShouldContain($"over the limit of {AgentFixture.MaxRequestBytes} bytes");
    }

    [Fact]
    public async Task Grpc_GzipFlagOverBytesThatAreNotGzip_IsInternalCannotParse()
    {
        var message = Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]).ToByteArray();
        var frame = MalformedRequests.Frame(message);
        frame[0] = 1;

        var answer = await RawCallAsync(frame, "gzip");

        answer.Status.ShouldBe((int)StatusCode.Internal, answer.ToString());
        answer.Message.ShouldStartWith("cannot parse the request: the message is marked gzip-compressed but is not valid gzip");
    }

    [Fact]
    public async Task Grpc_GzipThatInflatesPastTheLimit_IsResourceExhausted()
    {
        // 4 MiB of zeros compress to a few KiB: within the limit on the wire, four times over it in memory.
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(new byte[4 * AgentFixture.MaxRequestBytes]);
        }
        var frame = MalformedRequests.Frame(compressed.ToArray());
        frame[0] = 1;

        var answer = await RawCallAsync(frame, "gzip");

        answer.Status.ShouldBe((int)StatusCode.ResourceExhausted, answer.ToString());
        answer.Message.ShouldBe($"the request message decompresses to more than {AgentFixture.MaxRequestBytes} bytes, over the limit (ModelHost:MaxRequestBytes)");
    }

    [Theory]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    [InlineData(0L)]
    [InlineData(-20L)]
    public async Task Grpc_DeadlineParameterOutOfRange_IsInvalidArgument(long ms)
    {
        var request = Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]);
        request.Parameters["edgeai.deadline_ms"] = new InferParameter { Int64Param = ms };

        var error = await Should.ThrowAsync<RpcException>(() => agent.Grpc.ModelInferAsync(request, cancellationToken: Token).ResponseAsync);

        error.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        error.Status.Detail.ShouldStartWith($"parameter edgeai.deadline_ms is {ms.ToString(CultureInfo.InvariantCulture)}; expected a number of milliseconds greater than 0 and at most 86400000");
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e308)]
    [InlineData(-1e308)]
    public async Task Grpc_DeadlineParameterNotFinite_IsInvalidArgument(double ms)
    {
        var request = Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]);
        request.Parameters["edgeai.deadline_ms"] = new InferParameter { DoubleParam = ms };

        var error = await Should.ThrowAsync<RpcException>(() => agent.Grpc.ModelInferAsync(request, cancellationToken: Token).ResponseAsync);

        error.StatusCode.ShouldBe(StatusCode.InvalidArgument);
    }

    [Fact]
    public async Task Grpc_CallDeadlineAlreadyPassed_IsDeadlineExceededNotInvalidArgument()
    {
        var frame = MalformedRequests.Frame(Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]).ToByteArray());

        // One microsecond (grpc-dotnet ignores a timeout that rounds to zero ticks, such as 1n).
        var answer = await RawCallAsync(frame, timeout: "1u");

        answer.Status.ShouldBe((int)StatusCode.DeadlineExceeded, answer.ToString());
    }

    private async Task<(HttpStatusCode Status, string Detail)> PostAsync(string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await agent.Http.PostAsync(new Uri(path, UriKind.Relative), content, Token);
        using var problem = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token));
        return (response.StatusCode, problem.RootElement.GetProperty("detail").GetString()!);
    }

    private async Task<GrpcAnswer> RawCallAsync(byte[] frame, string? encoding = null, string? timeout = null)
    {
        using var raw = new RawGrpc(agent.GrpcUri);
        return await raw.CallAsync("/inference.GRPCInferenceService/ModelInfer", new GrpcBody(frame, encoding, "test", timeout), Token);
    }

    public void Dispose() => agent.VerifyNoErrors();
}
