using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Serving.Runtime;
using Google.Protobuf;

namespace EdgeAi.Serving.Tests.Runtime;

/// <summary>Each malformed request is refused with InvalidArgument and a message naming the tensor and what was expected.</summary>
public sealed class InputValidationTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ModelHost _host = Hosts.Create();

    public InputValidationTests()
    {
        _host.Load("classifier", "1", _dir.Write("c.onnx", SampleModels.Classifier()));
        _host.Load("add", "1", _dir.Write("a.onnx", SampleModels.AddTwo()));
        _host.Load("scale", "1", _dir.Write("s.onnx", SampleModels.Scale()));
        _host.Load("cube", "1", _dir.Write("i.onnx", SampleModels.Identity(OnnxElementType.Float, -1, -1, -1)));
        _host.Load("strings", "1", _dir.Write("t.onnx", SampleModels.Identity(OnnxElementType.String, -1)));
    }

    [Fact]
    public Task WrongDatatype_NamesBoth() =>
        ExpectInvalid(Requests.Raw("classifier", "input", "FP64", [1, 4], new byte[32]),
            "input 'input': datatype FP64 does not match the model's FP32");

    [Fact]
    public Task UnknownDatatype_ListsValidOnes() =>
        ExpectInvalid(Requests.Raw("classifier", "input", "FLOAT", [1, 4], new byte[16]),
            "input 'input': unknown datatype 'FLOAT'; expected FP32 (datatypes: BOOL, UINT8");

    [Fact]
    public Task WrongRank_NamesExpectedShape() =>
        ExpectInvalid(Requests.Raw("classifier", "input", "FP32", [4], new byte[16]),
            "input 'input': shape [4] has rank 1, the model expects rank 2 [-1,4]");

    [Fact]
    public Task WrongDimension_NamesDimension() =>
        ExpectInvalid(Requests.Raw("classifier", "input", "FP32", [1, 5], new byte[20]),
            "input 'input': dimension 1 is 5, the model expects 4 (shape [-1,4])");

    [Fact]
    public Task NegativeDimension_IsRefused() =>
        ExpectInvalid(Requests.Raw("classifier", "input", "FP32", [-2, 4], new byte[16]),
            "input 'input': dimension 0 is -2; dimensions must be 0 or more");

    [Fact]
    public Task WrongByteCount_NamesBoth() =>
        ExpectInvalid(Requests.Raw("classifier", "input", "FP32", [2, 4], new byte[16]),
            "input 'input': raw contents hold 16 bytes, shape [2,4] of FP32 needs 32");

    [Fact]
    public Task UnknownInput_ListsModelInputs() =>
        ExpectInvalid(Requests.Raw("classifier", "pixels", "FP32", [1, 4], new byte[16]),
            "unknown input 'pixels'; the model expects 'input' (FP32 [-1,4])");

    [Fact]
    public Task MissingInput_NamesIt() =>
        ExpectInvalid(Requests.Raw("add", "a", "FP32", [1, 3], new byte[12]),
            "missing input 'b' (FP32 [-1,3])");

    [Fact]
    public Task NoInputs_SaysWhatIsExpected() =>
        ExpectInvalid(new ModelInferRequest { ModelName = "classifier" },
            "request has no inputs; the model expects 'input' (FP32 [-1,4])");

    [Fact]
    public Task DuplicateInput_IsRefused()
    {
        var request = Requests.Raw("add", "a", "FP32", [1, 3], new byte[12]);
        request.Inputs.Add(request.Inputs[0].Clone());
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[12]));
        return ExpectInvalid(request, "input 'a' is given twice");
    }

    [Fact]
    public Task RawCountMismatch_IsRefused()
    {
        var request = Requests.Raw("add", "a", "FP32", [1, 3], new byte[12]);
        var b = new ModelInferRequest.Types.InferInputTensor { Name = "b", Datatype = "FP32" };
        b.Shape.AddRange([1, 3]);
        request.Inputs.Add(b);
        return ExpectInvalid(request, "raw_input_contents has 1 entries for 2 inputs");
    }

    [Fact]
    public Task TypedCountMismatch_NamesField()
    {
        var contents = new InferTensorContents();
        contents.Fp32Contents.AddRange([1, 2, 3]);
        return ExpectInvalid(Requests.Typed("classifier", "input", "FP32", [1, 4], contents),
            "input 'input': 3 values in fp32_contents, shape [1,4] needs 4");
    }

    [Fact]
    public Task TypedWrongField_NamesRightField()
    {
        var contents = new InferTensorContents();
        contents.IntContents.AddRange([1, 2, 3, 4]);
        return ExpectInvalid(Requests.Typed("classifier", "input", "FP32", [1, 4], contents),
            "input 'input' is FP32: its values go in fp32_contents");
    }

    [Fact]
    public Task NoData_SaysWhereItGoes() =>
        ExpectInvalid(Requests.Typed("classifier", "input", "FP32", [1, 4], new InferTensorContents()),
            "input 'input' has no data; send 4 values in contents.fp32_contents or in raw_input_contents");

    [Fact]
    public Task UnknownRequestedOutput_ListsOutputs()
    {
        var request = Requests.Fp32("classifier", [1, 4], 1, 2, 3, 4);
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "logits" });
        return ExpectInvalid(request, "unknown output 'logits'; model 'classifier' has outputs 'probabilities' (FP32 [-1,3])");
    }

    [Fact]
    public async Task HugeShape_IsResourceExhausted()
    {
        var error = await Should.ThrowAsync<InferenceException>(() =>
            _host.InferAsync(Requests.Raw("classifier", "input", "FP32", [1L << 40, 4], new byte[16]), TestContext.Current.CancellationToken));

        error.Error.ShouldBe(InferenceError.ResourceExhausted);
        error.Message.ShouldContain("over the limit of");
    }

    /// <summary>Shapes whose element count wraps (to 0 or below) if multiplied before the limit is checked.</summary>
    public static TheoryData<long[]> OverflowingShapes => new()
    {
        new[] { 4L, 1L << 62 },
        new[] { 16L, 1L << 60 },
        new[] { 1L << 31, 1L << 31 },
        new[] { long.MaxValue, 2L },
        new[] { 2L, long.MaxValue },
        new[] { 3_037_000_500L, 3_037_000_500L },
        new[] { 0L, 1L << 62 },
    };

    [Theory]
    [MemberData(nameof(OverflowingShapes))]
    public async Task OverflowingShape_IsResourceExhaustedNamingTensorShapeAndLimit(long[] shape)
    {
        var error = await Should.ThrowAsync<InferenceException>(() =>
            _host.InferAsync(Requests.Raw("scale", "input", "FP32", shape, new byte[16]), TestContext.Current.CancellationToken));

        error.Error.ShouldBe(InferenceError.ResourceExhausted);
        error.Message.ShouldStartWith($"input 'input': shape [{string.Join(",", shape)}] is over the limit of {new ModelHostOptions().MaxRequestBytes} bytes per tensor");
    }

    [Fact]
    public async Task OverflowingShapeWithZeroLast_IsResourceExhausted()
    {
        // No elements, but ONNX Runtime multiplies the other dimensions (and overflows inside SafeInt) all the same.
        var error = await Should.ThrowAsync<InferenceException>(() =>
            _host.InferAsync(Requests.Raw("cube", "input", "FP32", [1L << 31, 1L << 31, 0], []), TestContext.Current.CancellationToken));

        error.Error.ShouldBe(InferenceError.ResourceExhausted);
    }

    [Fact]
    public Task OverflowingTypedContents_IsResourceExhausted() =>
        ExpectError(Requests.Typed("scale", "input", "FP32", [4, 1L << 62], new InferTensorContents { Fp32Contents = { 1f } }), InferenceError.ResourceExhausted);

    [Fact]
    public Task BytesCountBeyondItsBytes_IsRefusedBeforeAllocating() =>
        ExpectInvalid(Requests.Raw("strings", "input", "BYTES", [1_000_000], new byte[8]),
            "input 'input': raw BYTES contents hold 8 bytes, too few for 1000000 elements");

    [Fact]
    public Task BytesElementLengthPastTheEnd_IsRefused() =>
        ExpectInvalid(Requests.Raw("strings", "input", "BYTES", [1], [0xFF, 0xFF, 0xFF, 0xFF, 0x61]),
            "input 'input': BYTES element 0 claims 4294967295 bytes, only 1 remain");

    [Fact]
    public async Task OperatorRefusesShapes_IsModelRejectedAnsweredInvalidArgument()
    {
        // Both inputs fit the model's signature; Add cannot broadcast 2 rows with 3.
        var request = Requests.Raw("add", "a", "FP32", [2, 3], new byte[24]);
        var b = new ModelInferRequest.Types.InferInputTensor { Name = "b", Datatype = "FP32" };
        b.Shape.AddRange([3, 3]);
        request.Inputs.Add(b);
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[36]));

        var error = await Should.ThrowAsync<InferenceException>(() => _host.InferAsync(request, TestContext.Current.CancellationToken));

        error.Error.ShouldBe(InferenceError.ModelRejected);
        error.GrpcStatus.ShouldBe(Grpc.Core.StatusCode.InvalidArgument);
        error.HttpStatus.ShouldBe(400);
        error.Message.ShouldStartWith("model 'add' version 1 cannot run this input: [ErrorCode:Fail]");
    }

    [Fact]
    public async Task ZeroBatch_ReturnsEmptyOutput()
    {
        var response = await _host.InferAsync(Requests.Raw("classifier", "input", "FP32", [0, 4], []), TestContext.Current.CancellationToken);

        response.Outputs[0].Shape.ShouldBe([0L, 3L]);
        response.RawOutputContents[0].Length.ShouldBe(0);
    }

    private async Task ExpectInvalid(ModelInferRequest request, string messageStart)
    {
        var error = await Should.ThrowAsync<InferenceException>(() => _host.InferAsync(request, TestContext.Current.CancellationToken));
        error.Error.ShouldBe(InferenceError.InvalidArgument);
        error.Message.ShouldStartWith(messageStart);
    }

    private async Task ExpectError(ModelInferRequest request, InferenceError expected)
    {
        var error = await Should.ThrowAsync<InferenceException>(() => _host.InferAsync(request, TestContext.Current.CancellationToken));
        error.Error.ShouldBe(expected);
    }

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }
}
