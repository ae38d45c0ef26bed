using EdgeAi.Common.Inference;

namespace EdgeAi.Common.Tests.Inference;

public sealed class TensorDatatypeTests
{
    [Theory]
    [InlineData("BOOL", 1)]
    [InlineData("UINT8", 1)]
    [InlineData("INT16", 2)]
    [InlineData("FP16", 2)]
    [InlineData("BF16", 2)]
    [InlineData("FP32", 4)]
    [InlineData("INT64", 8)]
    [InlineData("FP64", 8)]
    [InlineData("BYTES", 0)]
    public void TryParse_KnownName_RoundTripsWithElementSize(string name, int size)
    {
        TensorDatatypes.TryParse(name, out var datatype).ShouldBeTrue();
        datatype.ToName().ShouldBe(name);
        datatype.ElementSize().ShouldBe(size);
    }

    [Fact]
    public void TryParse_LowerCaseOrUnknown_IsRejected()
    {
        TensorDatatypes.TryParse("fp32", out _).ShouldBeFalse();
        TensorDatatypes.TryParse("FLOAT", out _).ShouldBeFalse();
    }

    [Fact]
    public void ToOnnx_EveryDatatype_MapsBack()
    {
        foreach (var datatype in Enum.GetValues<TensorDatatype>())
        {
            TensorDatatypes.TryFromOnnx(datatype.ToOnnx(), out var back).ShouldBeTrue();
            back.ShouldBe(datatype);
        }
    }
}
