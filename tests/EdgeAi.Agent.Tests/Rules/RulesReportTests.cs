using EdgeAi.Agent.Rules;

namespace EdgeAi.Agent.Tests.Rules;

public sealed class RulesReportTests
{
    [Theory]
    [InlineData("https://hooks.example.com/alarm", "https://hooks.example.com/alarm")]
    [InlineData("http://10.0.0.5:8080/in", "http://10.0.0.5:8080/in")]
    [InlineData("https://hooks.example.com/alarm?token=s3cret", "https://hooks.example.com/alarm (credentials, query and fragment not reported)")]
    [InlineData("https://bot:s3cret@hooks.example.com/alarm", "https://hooks.example.com/alarm (credentials, query and fragment not reported)")]
    [InlineData("https://hooks.example.com/alarm#s3cret", "https://hooks.example.com/alarm (credentials, query and fragment not reported)")]
    [InlineData("not a url s3cret", "(not a URL)")]
    public void WithoutSecrets_WebhookAddress_KeepsOnlySchemeHostAndPath(string url, string expected)
    {
        var reported = RulesReportSource.WithoutSecrets(url);

        reported.ShouldBe(expected);
        reported.ShouldNotContain("s3cret");
    }
}
