using EdgeAi.Hub.Admin;

namespace EdgeAi.Hub.Tests.Admin;

/// <summary>The one duration syntax of the hub's CLI flags and admin REST fields (--expires, --health-timeout, expiresIn, healthTimeout).</summary>
public sealed class DurationSyntaxTests
{
    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("12h", 43_200_000)]
    [InlineData("7d", 604_800_000)]
    [InlineData("500ms", 500)]
    [InlineData("0s", 0)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("2d12h", 216_000_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1s250ms", 1_250)]
    [InlineData("1d2h3m4s5ms", 93_784_005)]
    [InlineData("30M", 1_800_000)]
    [InlineData(" 2d ", 172_800_000)]
    [InlineData("1.12:00:00", 129_600_000)]
    [InlineData("00:45:00", 2_700_000)]
    [InlineData("00:00:01.5", 1_500)]
    public void TryParse_AcceptedForms_Parsed(string text, long milliseconds)
    {
        DurationSyntax.TryParse(text, out var duration, out var error).ShouldBeTrue(error);
        duration.ShouldBe(TimeSpan.FromMilliseconds(milliseconds));
    }

    [Theory]
    [InlineData(null, "is empty")]
    [InlineData("", "is empty")]
    [InlineData("   ", "is empty")]
    [InlineData("5", "'5' has no unit")]
    [InlineData("90", "'90' has no unit")]
    [InlineData("1.5", "'1.5' has no unit")]
    [InlineData("7w", "'7w' is not a duration")]
    [InlineData("7 days", "'7 days' is not a duration")]
    [InlineData("-1d", "'-1d' is not a duration")]
    [InlineData("1.5h", "'1.5h' is not a duration")]
    [InlineData("d", "'d' is not a duration")]
    [InlineData("h30m", "'h30m' is not a duration")]
    [InlineData("30m1h", "'30m1h' is not a duration")]
    [InlineData("1h1h", "'1h1h' is not a duration")]
    [InlineData("1h 30m", "'1h 30m' is not a duration")]
    [InlineData("5m+", "'5m+' is not a duration")]
    [InlineData("soon", "'soon' is not a duration")]
    [InlineData("1:2:3:4:5", "'1:2:3:4:5' is not a duration")]
    [InlineData("-00:10:00", "'-00:10:00' is negative")]
    [InlineData("999999999999999999d", "longer than any duration")]
    [InlineData("1234567890123456789s", "is not a duration")]
    public void TryParse_Refused_ErrorQuotesTextAndListsForms(string? text, string message)
    {
        DurationSyntax.TryParse(text, out _, out var error).ShouldBeFalse();

        error.ShouldContain(message);
        if (!message.Contains("longer", StringComparison.Ordinal))
        {
            error.ShouldContain("30s, 5m, 12h, 7d, 500ms, combined largest first as in 1h30m, or d.hh:mm:ss as in 1.12:00:00");
        }
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(90_000, "1m30s")]
    [InlineData(604_800_000, "7d")]
    [InlineData(31_536_000_000, "365d")]
    [InlineData(1_250, "1s250ms")]
    public void Format_Duration_LargestExactUnitsThatParseBack(long milliseconds, string text)
    {
        var duration = TimeSpan.FromMilliseconds(milliseconds);

        DurationSyntax.Format(duration).ShouldBe(text);
        DurationSyntax.TryParse(text, out var parsed, out _).ShouldBeTrue();
        parsed.ShouldBe(duration);
    }
}
