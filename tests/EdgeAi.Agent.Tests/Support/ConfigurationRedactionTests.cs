using EdgeAi.Agent.Support;
using Microsoft.Extensions.Configuration;

namespace EdgeAi.Agent.Tests.Support;

public sealed class ConfigurationRedactionTests
{
    [Theory]
    [InlineData("Cloud:DeviceKey")]
    [InlineData("Hub:AdminKey")]
    [InlineData("Agent:CertificatePassword")]
    [InlineData("Rules:door:Actions:0:Secret")]
    [InlineData("Webhooks:ApiToken")]
    [InlineData("Store:Credentials")]
    [InlineData("cloud:devicekey")]
    [InlineData("Hub:DeviceKeys:device-a")]
    public void Value_KeyNamesASecret_Redacted(string key)
    {
        ConfigurationRedaction.Value(key, "hunter2-hunter2").ShouldBe(ConfigurationRedaction.Redacted);
    }

    [Theory]
    [InlineData("Agent:DeviceId", "device-a")]
    [InlineData("Uplink:BrokerUrl", "mqtts://hub.example:8883")]
    [InlineData("ModelHost:ExecutionProviders:0", "CPU")]
    public void Value_PlainKey_Unchanged(string key, string value)
    {
        ConfigurationRedaction.Value(key, value).ShouldBe(value);
    }

    [Theory]
    [InlineData("Host=db;Username=edge;Password=s3cret;Database=x", "Host=db;Username=edge;Password=***;Database=x")]
    [InlineData("Host=db; pwd = s3cret", "Host=db; pwd = ***")]
    [InlineData("Host=db;Password=\"a;b\";Port=5432", "Host=db;Password=***;Port=5432")]
    public void Value_ConnectionStringPassword_OnlyThePasswordRedacted(string value, string expected)
    {
        ConfigurationRedaction.Value("Store:ConnectionString", value).ShouldBe(expected);
    }

    [Theory]
    [InlineData("mqtts://edge:p4ss@hub.example:8883", "mqtts://***@hub.example:8883")]
    [InlineData("https://user@hub.example/api", "https://***@hub.example/api")]
    [InlineData("see https://a:b@x.example and http://c:d@y.example", "see https://***@x.example and http://***@y.example")]
    public void Value_UrlUserInfo_Redacted(string value, string expected)
    {
        ConfigurationRedaction.Value("Uplink:BrokerUrl", value).ShouldBe(expected);
    }

    [Fact]
    public void Redact_Configuration_SortedAndSecretsCollected()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cloud:DeviceKey"] = "device-key-123456",
            ["Agent:DeviceId"] = "device-a",
            ["Uplink:BrokerUrl"] = "mqtt://edge:broker-pass@hub:1883",
            ["Empty:Token"] = "",
        }).Build();

        var (values, secrets) = ConfigurationRedaction.Redact(configuration);

        values.Select(v => v.Key).ShouldBe(["Agent:DeviceId", "Cloud:DeviceKey", "Empty:Token", "Uplink:BrokerUrl"]);
        values.Single(v => v.Key == "Cloud:DeviceKey").Value.ShouldBe("***");
        values.Single(v => v.Key == "Empty:Token").Value.ShouldBe("");
        values.Single(v => v.Key == "Uplink:BrokerUrl").Value.ShouldBe("mqtt://***@hub:1883");
        secrets.ShouldBe(["device-key-123456", "edge:broker-pass"], ignoreOrder: true);
    }

    [Fact]
    public void Scrub_TextQuotingSecrets_EveryOccurrenceReplacedShortValuesKept()
    {
        var text = "connecting with device-key-123456 (again: device-key-123456), retry 1";

        ConfigurationRedaction.Scrub(text, new HashSet<string> { "device-key-123456", "1" })
            .ShouldBe("connecting with *** (again: ***), retry 1");
    }
}
