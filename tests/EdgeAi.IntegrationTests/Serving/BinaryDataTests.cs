using System.Net;
using System.Runtime.InteropServices;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;

namespace EdgeAi.IntegrationTests.Serving;

/// <summary>The binary tensor data extension on the agent's REST endpoint: framing in and out, and every malformed body.</summary>
public sealed class BinaryDataTests(AgentFixture agent) : IDisposable
{
    private const string Infer = "/v2/models/classifier/infer";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ServerMetadata_ListsBinaryTensorData()
    {
        var (_, body) = await Requests.GetAsync(agent.Http, "/v2", Token);

        body.RootElement.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()).ShouldContain("binary_tensor_data");
    }

    [Fact]
    public async Task Infer_BinaryInAndOut_BytesEqualGrpcRawOutput()
    {
        float[] input = [0.5f, -1f, 1.5f, 2f, 0f, 1f, 0f, 1f];
        var json = $$$"""{"inputs":[{{{BinaryBodies.Input("input", "FP32", [2, 4], 32)}}}],"parameters":{"binary_data_output":true}}""";

        using var answer = await BinaryBodies.PostAsync(agent.Http, Infer, json, [Fp32(input)], Token);
        var grpc = await agent.Grpc.ModelInferAsync(Requests.Fp32("classifier", [2, 4], input), cancellationToken: Token);

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        answer.Response.Content.Headers.ContentType!.MediaType.ShouldBe("application/octet-stream");
        answer.Response.Content.Headers.ContentLength.ShouldBe(answer.Json.RootElement.GetRawText().Length + 24);
        var output = answer.Output(0);
        output.GetProperty("parameters").GetProperty("binary_data_size").GetInt64().ShouldBe(24);
        output.TryGetProperty("data", out _).ShouldBeFalse();
        output.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ShouldBe([2L, 3L]);
        answer.Binary.ShouldBe(grpc.RawOutputContents[0].ToByteArray());
        MemoryMarshal.Cast<byte, float>(answer.Binary).ToArray().ShouldBe(SampleModels.ClassifierReference(input), tolerance: 1e-5f);
    }

    [Fact]
    public async Task Infer_BinaryInputJsonOutput_AnswersAsTheJsonRequestDoes()
    {
        float[] input = [1, 2, 3, 4];
        var json = $$$"""{"inputs":[{{{BinaryBodies.Input("input", "FP32", [1, 4], 16)}}}]}""";

        using var binary = await BinaryBodies.PostAsync(agent.Http, Infer, json, [Fp32(input)], Token);
        var (plain, plainBody) = await Requests.PostAsync(agent.Http, Infer, Requests.Json("input", "FP32", [1, 4], input), Token);

        binary.Response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        binary.Response.Headers.Contains(BinaryBodies.HeaderLength).ShouldBeFalse();
        binary.Binary.ShouldBeEmpty();
        binary.Output(0).GetRawText().ShouldBe(plainBody.RootElement.GetProperty("outputs")[0].GetRawText());
        plain.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
    }

    [Fact]
    public async Task Infer_MixedJsonAndBinaryInputs_PerOutputBinary()
    {
        float[] b = [10, 20, 30];
        var json = $$$"""
            {"inputs":[{"name":"a","datatype":"FP32","shape":[1,3],"data":[1,2,3]},{{{BinaryBodies.Input("b", "FP32", [1, 3], 12)}}}],
             "outputs":[{"name":"sum","parameters":{"binary_data":true}}]}
            """;

        using var answer = await BinaryBodies.PostAsync(agent.Http, "/v2/models/add/infer", json, [Fp32(b)], Token);

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        MemoryMarshal.Cast<byte, float>(answer.Binary).ToArray().ShouldBe([11f, 22f, 33f]);
    }

    [Fact]
    public async Task Infer_PerOutputFalseOverridesBinaryDataOutput_IsPlainJson()
    {
        var json = $$$"""
            {"inputs":[{{{BinaryBodies.Input("input", "FP32", [1, 4], 16)}}}],"parameters":{"binary_data_output":true},
             "outputs":[{"name":"probabilities","parameters":{"binary_data":false}}]}
            """;

        using var answer = await BinaryBodies.PostAsync(agent.Http, Infer, json, [Fp32([1, 2, 3, 4])], Token);

        answer.Response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        answer.Output(0).GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ShouldBe(SampleModels.ClassifierReference([1, 2, 3, 4]), tolerance: 1e-5f);
    }

    [Fact]
    public async Task Infer_BytesBinary_RoundTripsLengthPrefixedElements()
    {
        var raw = RawTensor.FromStrings(["a", "héllo", ""]);
        var json = $$$"""{"inputs":[{{{BinaryBodies.Input("input", "BYTES", [3], raw.Length)}}}],"outputs":[{"name":"output","parameters":{"binary_data":true}}]}""";

        using var answer = await BinaryBodies.PostAsync(agent.Http, "/v2/models/strings/infer", json, [raw], Token);

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        answer.Binary.ShouldBe(raw);
        answer.Output(0).GetProperty("parameters").GetProperty("binary_data_size").GetInt64().ShouldBe(raw.Length);
    }

    [Fact]
    public async Task Infer_RawBinaryRequest_DeducesShapeAndAnswersBinary()
    {
        float[] input = [0.5f, -1f, 1.5f, 2f, 0f, 1f, 0f, 1f];

        using var answer = await BinaryBodies.PostAsync(agent.Http, Infer, string.Empty, [Fp32(input)], Token, headerLength: "0");

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        answer.Output(0).GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ShouldBe([2L, 3L]);
        MemoryMarshal.Cast<byte, float>(answer.Binary).ToArray().ShouldBe(SampleModels.ClassifierReference(input), tolerance: 1e-5f);
    }

    [Fact]
    public async Task Infer_RawBinaryRequestTwoDynamicDimensions_LeadingIsOne()
    {
        using var answer = await BinaryBodies.PostAsync(agent.Http, "/v2/models/scale/infer", string.Empty, [Fp32([1, 2, 3])], Token, headerLength: "0");

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        answer.Output(0).GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ShouldBe([1L, 3L]);
        MemoryMarshal.Cast<byte, float>(answer.Binary).ToArray().ShouldBe([2f, 4f, 6f]);
    }

    [Fact]
    public async Task Infer_RawBinaryRequestNotAMultiple_Is400()
    {
        using var answer = await BinaryBodies.PostAsync(agent.Http, Infer, string.Empty, [new byte[12]], Token, headerLength: "0");

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        answer.Error.ShouldBe("a raw binary request of 12 bytes does not fill input 'input' shape [-1,4] of FP32 (a multiple of 16 bytes)");
    }

    [Fact]
    public async Task Infer_RawBinaryRequestOnTwoInputModel_Is400()
    {
        using var answer = await BinaryBodies.PostAsync(agent.Http, "/v2/models/add/infer", string.Empty, [new byte[24]], Token, headerLength: "0");

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        answer.Error.ShouldStartWith("a raw binary request (Inference-Header-Content-Length: 0, the body one tensor's bytes) needs a model with one input; model 'add' has 2");
    }

    [Theory]
    [InlineData("abc", "Inference-Header-Content-Length is 'abc'; expected a whole number of bytes, 0 or more")]
    [InlineData("-1", "Inference-Header-Content-Length is '-1'; expected a whole number of bytes, 0 or more")]
    [InlineData("1.5", "Inference-Header-Content-Length is '1.5'; expected a whole number of bytes, 0 or more")]
    [InlineData("99999999999999999999", "Inference-Header-Content-Length is '99999999999999999999'; expected a whole number of bytes, 0 or more")]
    [InlineData("100000", "Inference-Header-Content-Length is 100000, larger than the ")]
    public async Task Infer_BadHeaderLength_Is400(string headerLength, string message)
    {
        var json = $$$"""{"inputs":[{{{BinaryBodies.Input("input", "FP32", [1, 4], 16)}}}]}""";

        using var answer = await BinaryBodies.PostAsync(agent.Http, Infer, json, [new byte[16]], Token, headerLength);

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        answer.Error.ShouldStartWith(message);
    }

    [Theory]
    // Too many bytes, too few, and bytes no input claims.
    [InlineData("[1,4]", "16", 20, "the body has 20 bytes after the JSON request (Inference-Header-Content-Length), but the inputs' binary_data_size add up to 16")]
    [InlineData("[1,4]", "16", 12, "the body has 12 bytes after the JSON request (Inference-Header-Content-Length), but the inputs' binary_data_size add up to 16")]
    [InlineData("[1,4]", "12", 12, "input 'input': raw contents hold 12 bytes, shape [1,4] of FP32 needs 16")]
    [InlineData("[1,4]", "-1", 16, "input 'input' parameters: 'binary_data_size' must be a whole number of bytes, 0 or more, got -1")]
    [InlineData("[1,4]", "16.5", 16, "input 'input' parameters: 'binary_data_size' must be a whole number of bytes, 0 or more, got 16.5")]
    [InlineData("[1,4]", "\"16\"", 16, "input 'input' parameters: 'binary_data_size' must be a whole number of bytes, 0 or more, got \"16\"")]
    [InlineData("[1,4]", "null", 16, "input 'input' parameters: 'binary_data_size' must be a whole number of bytes, 0 or more, got null")]
    [InlineData("[1,4]", "1e30", 16, "input 'input' parameters: 'binary_data_size' must be a whole number of bytes, 0 or more, got 1e30")]
    public async Task Infer_BinarySizesWrong_Is400NamingBoth(string shape, string size, int sent, string message)
    {
        var json = $$$"""{"inputs":[{"name":"input","datatype":"FP32","shape":{{{shape}}},"parameters":{"binary_data_size":{{{size}}}}}]}""";

        using var answer = await BinaryBodies.PostAsync(agent.Http, Infer, json, [new byte[sent]], Token);

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        answer.Error.ShouldBe(message);
    }

    [Fact]
    public async Task Infer_BytesOnNoInput_Is400()
    {
        using var answer = await BinaryBodies.PostAsync(agent.Http, Infer, Requests.Json("input", "FP32", [1, 4], [1, 2, 3, 4]), [new byte[8]], Token);

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        answer.Error.ShouldBe("the body has 8 bytes after the JSON request (Inference-Header-Content-Length), but the inputs' binary_data_size add up to 0");
    }

    [Fact]
    public async Task Infer_BinarySizeAndData_Is400()
    {
        var json = """{"inputs":[{"name":"input","datatype":"FP32","shape":[1,4],"data":[1,2,3,4],"parameters":{"binary_data_size":16}}]}""";

        using var answer = await BinaryBodies.PostAsync(agent.Http, Infer, json, [new byte[16]], Token);

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        answer.Error.ShouldBe("input 'input' has both 'data' and parameters.binary_data_size; send its values one way");
    }

    [Fact]
    public async Task Infer_BinarySizeWithoutHeader_Is400()
    {
        var json = $$$"""{"inputs":[{{{BinaryBodies.Input("input", "FP32", [1, 4], 16)}}}]}""";

        var (response, body) = await Requests.PostAsync(agent.Http, Infer, json, Token);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        body.RootElement.GetProperty("error").GetString().ShouldBe(
            "input 'input' gives binary_data_size, but the request has no Inference-Header-Content-Length header to say where the JSON ends and its bytes begin");
    }

    [Fact]
    public async Task Infer_BytesLengthPrefixPastTheEnd_Is400()
    {
        byte[] raw = [5, 0, 0, 0, (byte)'a'];
        var json = $$$"""{"inputs":[{{{BinaryBodies.Input("input", "BYTES", [1], raw.Length)}}}]}""";

        using var answer = await BinaryBodies.PostAsync(agent.Http, "/v2/models/strings/infer", json, [raw], Token);

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        answer.Error.ShouldBe("input 'input': BYTES element 0 claims 5 bytes, only 1 remain");
    }

    [Theory]
    [InlineData("""{"binary_data_output":1}""", "", "parameters: 'binary_data_output' must be true or false, got 1")]
    [InlineData("""{"binary_data_output":"true"}""", "", "parameters: 'binary_data_output' must be true or false, got \"true\"")]
    [InlineData("{}", """{"binary_data":null}""", "output 'probabilities' parameters: 'binary_data' must be true or false, got null")]
    [InlineData("{}", """{"binary_data":"yes"}""", "output 'probabilities' parameters: 'binary_data' must be true or false, got \"yes\"")]
    public async Task Infer_BinaryFlagsNotBoolean_Is400(string requestParameters, string outputParameters, string message)
    {
        var outputs = outputParameters.Length == 0 ? string.Empty : $$$""","outputs":[{"name":"probabilities","parameters":{{{outputParameters}}}}]""";
        var json = $$$"""{"inputs":[{{{BinaryBodies.Input("input", "FP32", [1, 4], 16)}}}],"parameters":{{{requestParameters}}}{{{outputs}}}}""";

        using var answer = await BinaryBodies.PostAsync(agent.Http, Infer, json, [new byte[16]], Token);

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        answer.Error.ShouldBe(message);
    }

    [Fact]
    public async Task Infer_JsonHeaderNotUtf8_Is400WithOffset()
    {
        using var message = BinaryBodies.Request(Infer, "{\"inputs\":[]}", [new byte[4]]);
        var body = await message.Content!.ReadAsByteArrayAsync(Token);
        body[2] = 0xFF;
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = message.Content.Headers.ContentType;
        message.Content = content;

        using var answer = await BinaryBodies.SendAsync(agent.Http, message, Token);

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        answer.Error.ShouldStartWith("request body is not valid UTF-8: byte 0xFF at offset 2");
    }

    internal static byte[] Fp32(float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public void Dispose() => agent.VerifyNoErrors();
}
