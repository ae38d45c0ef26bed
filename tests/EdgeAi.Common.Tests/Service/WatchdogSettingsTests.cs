using EdgeAi.Common.Service;

namespace EdgeAi.Common.Tests.Service;

public sealed class WatchdogSettingsTests
{
    private static TimeSpan? Interval(string? usec, string? pid, int self = 4242) =>
        WatchdogSettings.PingInterval(name => name switch
        {
            "WATCHDOG_USEC" => usec,
            "WATCHDOG_PID" => pid,
            _ => null,
        }, self);

    [Fact]
    public void PingInterval_UsecWithoutPid_HalfTheTimeout() => Interval("30000000", null).ShouldBe(TimeSpan.FromSeconds(15));

    [Fact]
    public void PingInterval_PidIsThisProcess_HalfTheTimeout() => Interval("200000", "4242").ShouldBe(TimeSpan.FromMilliseconds(100));

    [Fact]
    public void PingInterval_PidIsAnotherProcess_Off() => Interval("30000000", "17").ShouldBeNull();

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("30s")]
    [InlineData("99999999999999999999")]
    public void PingInterval_NoOrBadUsec_Off(string? usec) => Interval(usec, null).ShouldBeNull();

    [Fact]
    public void PingInterval_BadPid_Off() => Interval("30000000", "abc").ShouldBeNull();
}
