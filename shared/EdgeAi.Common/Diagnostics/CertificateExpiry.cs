namespace EdgeAi.Common.Diagnostics;

/// <summary>The verdicts on a certificate's dates and on a peer's clock, shared by the agent's and the hub's checks.</summary>
public static class CertificateExpiry
{
    public static readonly TimeSpan WarnBefore = TimeSpan.FromDays(30);
    public static readonly TimeSpan SkewWarn = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan SkewFail = TimeSpan.FromMinutes(5);

    /// <summary>FAIL expired or not yet valid, WARN within 30 days of expiry, else OK.</summary>
    public static CheckResult Evaluate(string id, string what, DateTimeOffset notBefore, DateTimeOffset notAfter, DateTimeOffset now, string renewFix)
    {
        var stamp = notAfter.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
        if (now >= notAfter)
        {
            return CheckResult.Fail(id, $"{what} expired on {stamp}", renewFix);
        }
        if (now < notBefore)
        {
            return CheckResult.Fail(id, $"{what} is not valid before {notBefore.UtcDateTime:yyyy-MM-dd HH:mm} UTC (is this clock right?)", "set this machine's clock (timedatectl set-ntp true)");
        }
        var left = notAfter - now;
        return left < WarnBefore
            ? CheckResult.Warn(id, $"{what} expires in {(int)left.TotalDays} days ({stamp})", renewFix)
            : CheckResult.Ok(id, $"{what} valid until {stamp} ({(int)left.TotalDays} days)");
    }

    /// <summary>A peer's clock (its HTTP Date header) against ours: WARN over 30 s, FAIL over 5 minutes (certificates and tokens stop working).</summary>
    public static CheckResult Skew(string id, DateTimeOffset? peer, DateTimeOffset now)
    {
        if (peer is not { } at)
        {
            return CheckResult.Warn(id, "the hub sent no Date header, so the clock skew is unknown", "check this device's clock: timedatectl status");
        }
        var skew = now - at;
        var seconds = Math.Abs(skew.TotalSeconds);
        var found = $"this clock is {seconds:0} s {(skew >= TimeSpan.Zero ? "ahead of" : "behind")} the hub's";
        const string fix = "synchronise this device's clock: timedatectl set-ntp true (or chronyc makestep)";
        return seconds > SkewFail.TotalSeconds ? CheckResult.Fail(id, found, fix)
            : seconds > SkewWarn.TotalSeconds ? CheckResult.Warn(id, found, fix)
            : CheckResult.Ok(id, found);
    }
}
