using System.Text.Json;
using EdgeAi.Common.Inference;
using EdgeAi.Serving.Protocol;

namespace EdgeAi.Serving.Tests;

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

    private static ModelInferRequest Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        return RestRequestReader.Read(document.RootElement, "m", null);
    }
}
