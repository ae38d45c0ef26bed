using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Serving.Runtime;

namespace EdgeAi.Serving.Tests.Runtime;

/// <summary>Every protocol datatype ONNX Runtime supports goes in and comes back out unchanged, raw and typed.</summary>
public sealed class TensorConversionTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ModelHost _host = Hosts.Create();

    public static TheoryData<TensorDatatype> AllDatatypes => [.. Enum.GetValues<TensorDatatype>()];

    public static TheoryData<TensorDatatype> TypedDatatypes =>
        [.. Enum.GetValues<TensorDatatype>().Where(d => d is not (TensorDatatype.Fp16 or TensorDatatype.Bf16))];

    [Theory]
    [MemberData(nameof(AllDatatypes))]
    public async Task InferAsync_RawContents_RoundTripsEveryDatatype(TensorDatatype datatype)
    {
        var model = Load(datatype);
        var raw = Sample(datatype);

        var response = await _host.InferAsync(Requests.Raw(model, "input", datatype.ToName(), [2, 3], raw), TestContext.Current.CancellationToken);

        response.Outputs[0].Datatype.ShouldBe(datatype.ToName());
        response.Outputs[0].Shape.ShouldBe([2L, 3L]);
        response.RawOutputContents[0].ToByteArray().ShouldBe(raw);
    }

    [Theory]
    [MemberData(nameof(TypedDatatypes))]
    public async Task InferAsync_TypedContents_RoundTripsToRawOutput(TensorDatatype datatype)
    {
        var model = Load(datatype);
        var contents = new InferTensorContents();
        double[] values = datatype == TensorDatatype.Bool ? [0, 1, 0, 1, 1, 0] : [0, 1, 2, 3, 4, 5];
        if (datatype is TensorDatatype.Int8 or TensorDatatype.Int16 or TensorDatatype.Int32 or TensorDatatype.Int64 or TensorDatatype.Fp32 or TensorDatatype.Fp64)
        {
            values[0] = -3;
        }
        switch (datatype)
        {
            case TensorDatatype.Bool: contents.BoolContents.AddRange(values.Select(v => v != 0)); break;
            case TensorDatatype.Int8 or TensorDatatype.Int16 or TensorDatatype.Int32: contents.IntContents.AddRange(values.Select(v => (int)v)); break;
            case TensorDatatype.Int64: contents.Int64Contents.AddRange(values.Select(v => (long)v)); break;
            case TensorDatatype.UInt8 or TensorDatatype.UInt16 or TensorDatatype.UInt32: contents.UintContents.AddRange(values.Select(v => (uint)v)); break;
            case TensorDatatype.UInt64: contents.Uint64Contents.AddRange(values.Select(v => (ulong)v)); break;
            case TensorDatatype.Fp32: contents.Fp32Contents.AddRange(values.Select(v => (float)v)); break;
            case TensorDatatype.Fp64: contents.Fp64Contents.AddRange(values); break;
            case TensorDatatype.Bytes: contents.BytesContents.AddRange(values.Select(v => Google.Protobuf.ByteString.CopyFromUtf8($"s{v}"))); break;
            default: throw new InvalidOperationException();
        }
        var expected = datatype == TensorDatatype.Bytes
            ? RawTensor.FromStrings([.. values.Select(v => $"s{v}")])
            : RawTensor.FromDoubles(datatype, values);

        var response = await _host.InferAsync(Requests.Typed(model, "input", datatype.ToName(), [2, 3], contents), TestContext.Current.CancellationToken);

        response.RawOutputContents[0].ToByteArray().ShouldBe(expected);
    }

    [Theory]
    [InlineData(TensorDatatype.Fp16)]
    [InlineData(TensorDatatype.Bf16)]
    public async Task InferAsync_HalfPrecisionWithoutRaw_SaysToUseRaw(TensorDatatype datatype)
    {
        var model = Load(datatype);

        var error = await Should.ThrowAsync<InferenceException>(() =>
            _host.InferAsync(Requests.Typed(model, "input", datatype.ToName(), [1, 3], new InferTensorContents()), TestContext.Current.CancellationToken));

        error.Error.ShouldBe(InferenceError.InvalidArgument);
        error.Message.ShouldContain("raw_input_contents");
    }

    [Fact]
    public async Task InferAsync_Int8TypedValueOutOfRange_NamesValueAndIndex()
    {
        var model = Load(TensorDatatype.Int8);
        var contents = new InferTensorContents();
        contents.IntContents.AddRange([1, 2, 300]);

        var error = await Should.ThrowAsync<InferenceException>(() =>
            _host.InferAsync(Requests.Typed(model, "input", "INT8", [1, 3], contents), TestContext.Current.CancellationToken));

        error.Message.ShouldBe("input 'input': value 300 at index 2 is out of range for INT8");
    }

    private string Load(TensorDatatype datatype)
    {
        var name = "identity-" + datatype.ToName().ToLowerInvariant();
        var path = _dir.Write(name + ".onnx", SampleModels.Identity(datatype.ToOnnx(), -1, 3));
        _host.Load(name, "1", path).State.ShouldBe(ModelState.Ready);
        return name;
    }

    private static byte[] Sample(TensorDatatype datatype) => datatype switch
    {
        TensorDatatype.Bytes => RawTensor.FromStrings(["a", "bc", "", "héllo", "x", "yz"]),
        TensorDatatype.Bool => RawTensor.FromDoubles(datatype, [0, 1, 0, 1, 1, 0]),
        _ => RawTensor.FromDoubles(datatype, [0, 1, 2, 3, 4, 5]),
    };

    public void Dispose()
    {
        _host.Dispose();
        _dir.Dispose();
    }
}
