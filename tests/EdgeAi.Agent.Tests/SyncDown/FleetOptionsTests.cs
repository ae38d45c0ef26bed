using EdgeAi.Agent.SyncDown;

namespace EdgeAi.Agent.Tests.SyncDown;

public sealed class FleetOptionsTests
{
    [Fact]
    public void Validate_Defaults_Pass()
    {
        var options = new FleetOptions();

        new FleetOptionsValidator().Validate(null, options).Succeeded.ShouldBeTrue();
        options.RequireSignature.ShouldBeTrue();
        options.SmokeTestMaxLatency.ShouldBe(TimeSpan.FromSeconds(10));
        options.SigningKeyPathFor("/data").ShouldBe(Path.Combine("/data", "model-signing.pub"));
    }

    [Fact]
    public void Validate_BadDurations_NameTheSettings()
    {
        var options = new FleetOptions
        {
            DownloadAttemptTimeout = TimeSpan.FromMilliseconds(10),
            RetryDelay = TimeSpan.FromSeconds(30),
            MaxRetryDelay = TimeSpan.FromSeconds(5),
            SmokeTestMaxLatency = TimeSpan.Zero,
            MaxDownloadAttempts = 0,
        };

        var result = new FleetOptionsValidator().Validate(null, options);

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("Fleet:DownloadAttemptTimeout");
        result.FailureMessage.ShouldContain("Fleet:MaxRetryDelay");
        result.FailureMessage.ShouldContain("Fleet:SmokeTestMaxLatency");
        result.FailureMessage.ShouldContain("MaxDownloadAttempts");
    }
}
