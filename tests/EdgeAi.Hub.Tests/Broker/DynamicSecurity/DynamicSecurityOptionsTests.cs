using System.ComponentModel.DataAnnotations;
using EdgeAi.Hub.Broker;
using EdgeAi.Hub.Broker.DynamicSecurity;

namespace EdgeAi.Hub.Tests.Broker.DynamicSecurity;

/// <summary>Hub:Mqtt:DynamicSecurity is checked with the rest of Hub:Mqtt at start.</summary>
public sealed class DynamicSecurityOptionsTests
{
    [Fact]
    public void Validate_EnabledWithEmbeddedBroker_NamesExternalBroker()
    {
        var errors = Errors(new MqttOptions { DynamicSecurity = { Enabled = true } });

        errors.ShouldHaveSingleItem().ShouldContain("needs ExternalBroker");
    }

    [Fact]
    public void Validate_EnabledWithExternalBroker_Valid() =>
        Errors(new MqttOptions { ExternalBroker = "mqtt://broker:1883", DynamicSecurity = { Enabled = true } }).ShouldBeEmpty();

    [Fact]
    public void Validate_DisabledByDefault_NothingAsked() =>
        Errors(new MqttOptions { DynamicSecurity = { CommandTimeout = TimeSpan.Zero } }).ShouldBeEmpty();

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("00:05:00")]
    public void Validate_CommandTimeoutOutOfRange_Named(string timeout) =>
        Errors(new MqttOptions { ExternalBroker = "mqtt://broker:1883", DynamicSecurity = { Enabled = true, CommandTimeout = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture) } })
            .ShouldHaveSingleItem().ShouldContain("CommandTimeout");

    [Fact]
    public void Validate_RolePrefixWithSlash_Refused()
    {
        var result = new MqttOptionsValidator().Validate(null, new MqttOptions { ExternalBroker = "mqtt://broker:1883", DynamicSecurity = { Enabled = true, DeviceRolePrefix = "a/b" } });

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("DeviceRolePrefix");
    }

    private static List<string> Errors(MqttOptions options) =>
        [.. options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage!)];
}
