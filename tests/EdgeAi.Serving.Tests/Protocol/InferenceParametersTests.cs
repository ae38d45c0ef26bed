using EdgeAi.Common.Inference;
using EdgeAi.Serving.Protocol;
using Google.Protobuf.Collections;

namespace EdgeAi.Serving.Tests.Protocol;

/// <summary>edgeai.deadline_ms is read in one place: a finite budget over 0 ms and up to a day, or the caller's mistake.</summary>
public sealed class InferenceParametersTests
{
    public static TheoryData<InferParameter> OutOfRange => new()
    {
        new InferParameter { Int64Param = long.MaxValue },
        new InferParameter { Int64Param = long.MinValue },
        new InferParameter { Int64Param = 0 },
        new InferParameter { Int64Param = -1 },
        new InferParameter { Int64Param = 86_400_001 },
        new InferParameter { Uint64Param = ulong.MaxValue },
        new InferParameter { Uint64Param = 0 },
        new InferParameter { DoubleParam = double.NaN },
        new InferParameter { DoubleParam = double.PositiveInfinity },
        new InferParameter { DoubleParam = double.NegativeInfinity },
        new InferParameter { DoubleParam = 1e308 },
        new InferParameter { DoubleParam = -1e308 },
        new InferParameter { DoubleParam = -0.0 },
        new InferParameter { StringParam = "1e400" },
        new InferParameter { StringParam = "-1e400" },
        new InferParameter { StringParam = "NaN" },
        new InferParameter { StringParam = "Infinity" },
        new InferParameter { StringParam = "abc" },
        new InferParameter { StringParam = "" },
        new InferParameter { StringParam = "9223372036854775808" },
        new InferParameter { BoolParam = true },
        new InferParameter(),
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void GetDeadline_OutOfRangeOrNotANumber_IsInvalidArgumentNamingTheRange(InferParameter value)
    {
        var error = Should.Throw<InferenceException>(() => With(value).GetDeadline());

        error.Error.ShouldBe(InferenceError.InvalidArgument);
        error.Message.ShouldStartWith("parameter edgeai.deadline_ms is ");
        error.Message.ShouldContain("expected a number of milliseconds greater than 0 and at most 86400000 (24 hours)");
    }

    [Theory]
    [InlineData(50L, 50.0)]
    [InlineData(86_400_000L, 86_400_000.0)]
    public void GetDeadline_Int64InRange_IsTheBudget(long ms, double expected) =>
        With(new InferParameter { Int64Param = ms }).GetDeadline().ShouldBe(TimeSpan.FromMilliseconds(expected));

    [Fact]
    public void GetDeadline_DoubleUint64AndString_AreReadAlike()
    {
        With(new InferParameter { DoubleParam = 2.5 }).GetDeadline().ShouldBe(TimeSpan.FromMilliseconds(2.5));
        With(new InferParameter { Uint64Param = 40 }).GetDeadline().ShouldBe(TimeSpan.FromMilliseconds(40));
        With(new InferParameter { StringParam = "75" }).GetDeadline().ShouldBe(TimeSpan.FromMilliseconds(75));
    }

    [Fact]
    public void GetDeadline_Absent_IsNull() => new MapField<string, InferParameter>().GetDeadline().ShouldBeNull();

    [Fact]
    public void SetDeadline_RoundsUpAndCapsAtADay()
    {
        var parameters = new MapField<string, InferParameter>();

        parameters.SetDeadline(TimeSpan.FromMilliseconds(0.2));
        parameters[InferenceParameters.DeadlineMs].Int64Param.ShouldBe(1);

        parameters.SetDeadline(TimeSpan.FromDays(400));
        parameters[InferenceParameters.DeadlineMs].Int64Param.ShouldBe(86_400_000);
    }

    private static MapField<string, InferParameter> With(InferParameter value) => new() { [InferenceParameters.DeadlineMs] = value };
}
