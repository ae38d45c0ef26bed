using System.Text.Json;
using EdgeAi.Common.Inference;
using EdgeAi.Serving.Protocol;

namespace EdgeAi.Serving.Tests.Protocol;

public sealed class RestRequestReaderTests
{
    [Fact]
    public void Read_NestedData_FlattensToRawWithParameters()
    {
        var request = Read("""
            {"id":"r1","parameters":{"edgeai.route":"local","edgeai.deadline_ms":50},
             "inputs":[{"name":"input","datatype":"FP32","shape":[2,2],"data":[[1,2],[3,4.5]]}],
             "outputs":[{"name":"probabilities"}]}
            """);

        request.Id.ShouldBe("r1");
        request.Parameters["edgeai.route"].StringParam.ShouldBe("local");
        request.Parameters["edgeai.deadline_ms"].Int64Param.ShouldBe(50);
        request.Inputs[0].Shape.ShouldBe([2L, 2L]);
        RawTensor.ToDoubles(TensorDatatype.Fp32, request.RawInputContents[0].Span).ShouldBe([1, 2, 3, 4.5]);
        request.Outputs[0].Name.ShouldBe("probabilities");
    }

    [Fact]
    public void Read_BytesAndBool_EncodeAsProtocolRaw()
    {
        var request = Read("""
            {"inputs":[{"name":"s","datatype":"BYTES","shape":[2],"data":["a","héllo"]},
                       {"name":"b","datatype":"BOOL","shape":[3],"data":[true,false,true]}]}
            """);

        RawTensor.ToStrings(request.RawInputContents[0].Span).ShouldBe(["a", "héllo"]);
        request.RawInputContents[1].ToByteArray().ShouldBe([1, 0, 1]);
    }

    [Theory]
    [InlineData("""{"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":[1,2,3]}]}""", "input 'x': 3 values in data, shape [1,4] needs 4")]
    [InlineData("""{"inputs":[{"name":"x","datatype":"INT8","shape":[1],"data":[300]}]}""", "input 'x': data[0] = 300 is not a valid INT8 value")]
    [InlineData("""{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":["a"]}]}""", "input 'x': data[0] = \"a\" is not a valid FP32 value")]
    [InlineData("""{"inputs":[{"name":"x","datatype":"float","shape":[1],"data":[1]}]}""", "input 'x': unknown datatype 'float'")]
    [InlineData("""{"inputs":[{"name":"x","datatype":"FP32","shape":[-1],"data":[1]}]}""", "input 'x': shape must hold integers of 0 or more")]
    [InlineData("""{"inputs":[{"datatype":"FP32","shape":[1],"data":[1]}]}""", "input needs a string 'name'")]
    [InlineData("""{"inputs":[{"name":"x","datatype":"FP32","shape":[1]}]}""", "input 'x' has no 'data'")]
    [InlineData("""{"input":[]}""", "request body needs an 'inputs' array")]
    [InlineData("""[1,2]""", "request body must be a JSON object")]
    public void Read_BadRequest_SaysWhatIsWrong(string json, string message)
    {
        var error = Should.Throw<InferenceException>(() => Read(json));

        error.Error.ShouldBe(InferenceError.InvalidArgument);
        error.Message.ShouldStartWith(message);
    }

    [Theory]
    [InlineData("4,4611686018427387904")]
    [InlineData("16,1152921504606846976")]
    [InlineData("2147483648,2147483648")]
    [InlineData("9223372036854775807,2")]
    [InlineData("0,4611686018427387904")]
    public void Read_OverflowingShape_IsResourceExhaustedNamingTensorShapeAndLimit(string shape)
    {
        var error = Should.Throw<InferenceException>(() => Read($$"""{"inputs":[{"name":"x","datatype":"FP32","shape":[{{shape}}],"data":[1]}]}"""));

        error.Error.ShouldBe(InferenceError.ResourceExhausted);
        error.Message.ShouldStartWith($"input 'x': shape [{shape}] is over the limit of {Limit} bytes per tensor");
    }

    [Theory]
    [InlineData("""{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1e400]}]}""", "input 'x': data[0] = 1e400 is not a valid FP32 value")]
    [InlineData("""{"inputs":[{"name":"x","datatype":"FP32","shape":[1],"data":[1e39]}]}""", "input 'x': data[0] = 1e39 is not a valid FP32 value")]
    [InlineData("""{"inputs":[{"name":"x","datatype":"FP16","shape":[1],"data":[70000]}]}""", "input 'x': data[0] = 70000 is not a valid FP16 value")]
    [InlineData("""{"inputs":[{"name":"x","datatype":"FP64","shape":[1],"data":[-1e400]}]}""", "input 'x': data[0] = -1e400 is not a valid FP64 value")]
    [InlineData("""{"inputs":[{"name":"x","datatype":"FP32","shape":[1e400],"data":[1]}]}""", "input 'x': shape must hold integers of 0 or more, got 1e400")]
    [InlineData("""{"inputs":[{"name":"x","datatype":"FP32","shape":[18446744073709551616],"data":[1]}]}""", "input 'x': shape must hold integers of 0 or more")]
    [InlineData("""{"parameters":{"edgeai.deadline_ms":1e400},"inputs":[]}""", "parameters: 'edgeai.deadline_ms' is 1e400, beyond what a 64-bit float holds")]
    public void Read_NumberBeyondItsType_IsInvalidArgument(string json, string message)
    {
        var error = Should.Throw<InferenceException>(() => Read(json));

        error.Error.ShouldBe(InferenceError.InvalidArgument);
        error.Message.ShouldStartWith(message);
    }

    [Fact]
    public void Read_InvalidUtf8InsideAString_IsInvalidArgument()
    {
        byte[] json = [.. """{"inputs":[{"name":"x","datatype":"BYTES","shape":[1],"data":["""u8, (byte)'"', 0xC3, 0x28, (byte)'"', .. "]}]}"u8];
        using var document = JsonDocument.Parse(json);

        var error = Should.Throw<InferenceException>(() => RestRequestReader.Read(document.RootElement, "m", null, Limit));

        error.Error.ShouldBe(InferenceError.InvalidArgument);
        error.Message.ShouldBe("input 'x': data[0] is not valid UTF-8");
    }

    private const int Limit = 1 << 20;

    private static ModelInferRequest Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        return RestRequestReader.Read(document.RootElement, "m", null, Limit);
    }
}
