using EdgeAi.Common.Diagnostics;

namespace EdgeAi.Common.Tests.Diagnostics;

public sealed class CertificateExpiryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(-1, CheckStatus.Fail, "expired on 2026-12-02 12:00 UTC")]
    [InlineData(0, CheckStatus.Fail, "expired on")]
    [InlineData(29, CheckStatus.Warn, "expires in 29 days")]
    [InlineData(31, CheckStatus.Ok, "valid until 2027-01-03 12:00 UTC (31 days)")]
    public void Evaluate_DaysLeft_StatusByThreshold(int daysLeft, CheckStatus expected, string message)
    {
        var result = CertificateExpiry.Evaluate("hub-certificate", "the hub's certificate", Now.AddYears(-1), Now.AddDays(daysLeft), Now, "renew it");

        result.Status.ShouldBe(expected);
        result.Message.ShouldContain(message);
        result.Fix.ShouldBe(expected == CheckStatus.Ok ? null : "renew it");
    }

    [Fact]
    public void Evaluate_NotYetValid_FailsPointingAtTheClock()
    {
        var result = CertificateExpiry.Evaluate("c", "it", Now.AddHours(1), Now.AddYears(1), Now, "renew it");

        result.Status.ShouldBe(CheckStatus.Fail);
        result.Message.ShouldContain("is not valid before");
        result.Fix!.ShouldContain("timedatectl");
    }

    [Theory]
    [InlineData(0, CheckStatus.Ok)]
    [InlineData(30, CheckStatus.Ok)]
    [InlineData(31, CheckStatus.Warn)]
    [InlineData(-31, CheckStatus.Warn)]
    [InlineData(300, CheckStatus.Warn)]
    [InlineData(301, CheckStatus.Fail)]
    [InlineData(-3600, CheckStatus.Fail)]
    public void Skew_SecondsApart_WarnOver30sFailOver5min(int secondsAhead, CheckStatus expected)
    {
        var result = CertificateExpiry.Skew("clock-skew", Now.AddSeconds(-secondsAhead), Now);

        result.Status.ShouldBe(expected);
        result.Message.ShouldContain($"{Math.Abs(secondsAhead)} s");
    }

    [Fact]
    public void Skew_NoDateHeader_Warns()
    {
        CertificateExpiry.Skew("clock-skew", null, Now).Status.ShouldBe(CheckStatus.Warn);
    }
}
