using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using EdgeAi.Common.Inference;
using EdgeAi.Serving.Protocol;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace EdgeAi.Serving.Tests.Protocol;

public sealed class BinaryTensorDataTests
{
    private const int Limit = 1 << 20;

    [Fact]
    public void Read_BinaryInputs_WrapSlicesOfTheBodyInInputOrder()
    {
        var body = Encoding.UTF8.GetBytes("HEADER").Concat(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 0, 1 }).ToArray();
        var binary = body.AsMemory(6);

        var read = Read("""
            {"inputs":[{"name":"x","datatype":"FP32","shape":[3],"parameters":{"binary_data_size":12}},
                       {"name":"j","datatype":"INT32","shape":[1],"data":[7]},
                       {"name":"b","datatype":"BOOL","shape":[3],"parameters":{"binary_data_size":3}}]}
            """, binary);

        var request = read.Request;
        MemoryMarshal.TryGetArray(request.RawInputContents[0].Memory, out var x).ShouldBeTrue();
        x.Array.ShouldBeSameAs(body);
        (x.Offset, x.Count).ShouldBe((6, 12));
        MemoryMarshal.TryGetArray(request.RawInputContents[2].Memory, out var b).ShouldBeTrue();
        b.Array.ShouldBeSameAs(body);
        (b.Offset, b.Count).ShouldBe((18, 3));
        request.RawInputContents[1].ToByteArray().ShouldBe([7, 0, 0, 0]);
        request.Inputs[0].Parameters.ShouldNotContainKey("binary_data_size");
    }

    [Fact]
    public void Read_BinaryFlags_ChooseOutputsAndLeaveTheForwardedRequest()
    {
        var read = Read("""
            {"parameters":{"binary_data_output":true,"edgeai.route":"local"},"inputs":[],
             "outputs":[{"name":"a","parameters":{"binary_data":false}},{"name":"b"}]}
            """, Memory<byte>.Empty);

        read.Outputs.IsBinary("a").ShouldBeFalse();
        read.Outputs.IsBinary("b").ShouldBeTrue();
        read.Outputs.IsBinary("unlisted").ShouldBeTrue();
        read.Request.Parameters.Keys.ShouldBe(["edgeai.route"]);
        read.Request.Outputs[0].Parameters.ShouldBeEmpty();
    }

    [Fact]
    public void Read_NoFlags_NothingBinary()
    {
        var read = Read("""{"inputs":[],"outputs":[{"name":"a","parameters":{"binary_data":false}}]}""", null);

        read.Outputs.Any.ShouldBeFalse();
    }

    [Theory]
    [InlineData(null, 10, null)]
    [InlineData("0", 10, 0)]
    [InlineData("10", 10, 10)]
    [InlineData("007", 10, 7)]
    public void HeaderLength_WholeNumberUpToTheBody_IsTheJsonLength(string? value, int bodyLength, int? expected)
    {
        var headers = new HeaderDictionary();
        if (value is not null)
        {
            headers["Inference-Header-Content-Length"] = value;
        }

        RestRequestBody.HeaderLength(headers, bodyLength).ShouldBe(expected);
    }

    [Theory]
    [InlineData("11", "Inference-Header-Content-Length is 11, larger than the 10-byte body")]
    [InlineData("-3", "Inference-Header-Content-Length is '-3'; expected a whole number of bytes")]
    [InlineData("", "Inference-Header-Content-Length is ''; expected a whole number of bytes")]
    public void HeaderLength_Bad_IsInvalidArgument(string value, string message)
    {
        var headers = new HeaderDictionary { ["Inference-Header-Content-Length"] = value };

        var error = Should.Throw<InferenceException>(() => RestRequestBody.HeaderLength(headers, 10));

        error.Error.ShouldBe(InferenceError.InvalidArgument);
        error.Message.ShouldStartWith(message);
    }

    [Fact]
    public void HeaderLength_GivenTwice_IsInvalidArgument()
    {
        var headers = new HeaderDictionary { ["Inference-Header-Content-Length"] = new Microsoft.Extensions.Primitives.StringValues(["1", "2"]) };

        Should.Throw<InferenceException>(() => RestRequestBody.HeaderLength(headers, 10)).Message.ShouldBe("Inference-Header-Content-Length is given 2 times; send it once");
    }

    [Fact]
    public void Choose_TypedOutputStaysJson_RawOutputGoesBinary()
    {
        var response = new ModelInferResponse();
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "raw", Datatype = "FP32" });
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "typed", Datatype = "FP32" });
        response.RawOutputContents.Add(ByteString.CopyFrom(1, 2, 3, 4));

        RestBinaryResponse.Choose(response, new BinaryOutputs(true, new Dictionary<string, bool>())).ShouldBe([true, false]);
        RestBinaryResponse.Choose(response, new BinaryOutputs(false, new Dictionary<string, bool> { ["typed"] = true })).ShouldBeNull();
        RestBinaryResponse.Choose(response, BinaryOutputs.None).ShouldBeNull();
    }

    [Fact]
    public void WriteInfer_BinaryOutput_GivesSizeNotData()
    {
        var response = new ModelInferResponse { ModelName = "m", ModelVersion = "1" };
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "y", Datatype = "FP32", Shape = { 1 } });
        response.RawOutputContents.Add(ByteString.CopyFrom(0, 0, 128, 63));
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            RestResponseWriter.WriteInfer(json, response, [true]);
        }

        Encoding.UTF8.GetString(buffer.WrittenSpan).ShouldBe(
            """{"model_name":"m","model_version":"1","outputs":[{"name":"y","datatype":"FP32","shape":[1],"parameters":{"binary_data_size":4}}]}""");
    }

    private static RestInferRequest Read(string json, ReadOnlyMemory<byte>? binary)
    {
        using var document = JsonDocument.Parse(json);
        return RestRequestReader.Read(document.RootElement, binary, "m", null, Limit);
    }
}
