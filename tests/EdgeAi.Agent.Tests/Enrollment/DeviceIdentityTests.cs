using EdgeAi.Agent.Cloud;
using EdgeAi.Agent.Enrollment;
using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Uplink;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Tests.Enrollment;

/// <summary>identity.json on disk and as configuration: what it sets, and what still overrides it.</summary>
public sealed class DeviceIdentityTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgeai-identity-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static DeviceIdentity Sample(string? broker = "mqtts://hub.example:8883") =>
        new("cam-1", "device-key-0123456789-0123456789", "https://hub.example:5001", broker, new Dictionary<string, string> { ["site"] = "lobby" });

    [Fact]
    public void Write_ThenRead_RoundTripsOwnerOnly()
    {
        Sample().Write(_directory);

        var read = DeviceIdentity.TryRead(_directory);

        read.ShouldNotBeNull();
        read.DeviceId.ShouldBe("cam-1");
        read.BrokerUrl.ShouldBe("mqtts://hub.example:8883");
        read.Tags["site"].ShouldBe("lobby");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(Path.Combine(_directory, DeviceIdentity.FileName)).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [Fact]
    public void TryRead_NotEnrolled_Null()
    {
        DeviceIdentity.TryRead(_directory).ShouldBeNull();
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"deviceId":"cam-1"}""")]
    public void TryRead_Damaged_IOExceptionNamingFileAndWayOut(string content)
    {
        File.WriteAllText(Path.Combine(_directory, DeviceIdentity.FileName), content);

        var error = Should.Throw<IOException>(() => DeviceIdentity.TryRead(_directory));

        error.Message.ShouldContain(DeviceIdentity.FileName);
        error.Message.ShouldContain("edge-agent enroll --force");
    }

    [Fact]
    public void ToConfiguration_WithTrustFiles_SetsAgreedKeys()
    {
        File.WriteAllText(Path.Combine(_directory, DeviceIdentity.HubCaFileName), "ca");
        File.WriteAllText(Path.Combine(_directory, DeviceIdentity.SigningKeyFileName), "key");

        var settings = Sample().ToConfiguration(_directory);

        settings.ShouldBe(new Dictionary<string, string?>
        {
            ["Agent:DeviceId"] = "cam-1",
            ["Cloud:HubUrl"] = "https://hub.example:5001",
            ["Cloud:DeviceKey"] = "device-key-0123456789-0123456789",
            ["Uplink:BrokerUrl"] = "mqtts://hub.example:8883",
            ["Cloud:CaCertificatePath"] = Path.Combine(_directory, DeviceIdentity.HubCaFileName),
            ["Fleet:SigningKeyPath"] = Path.Combine(_directory, DeviceIdentity.SigningKeyFileName),
        }, ignoreOrder: true);
    }

    [Fact]
    public void ToConfiguration_NoBrokerNoFiles_OnlyWhatIsThere()
    {
        var settings = Sample(broker: null).ToConfiguration(_directory);

        settings.Keys.ShouldBe(["Agent:DeviceId", "Cloud:HubUrl", "Cloud:DeviceKey"], ignoreOrder: true);
    }

    [Fact]
    public async Task Build_WithIdentity_IdentityConfiguresTheAgentAndFlagsOverrideIt()
    {
        Sample().Write(_directory);

        // Flags and EDGEAI_ variables are added after the identity layer; a flag stands for both here
        // (an environment variable would leak into tests running beside this one).
        await using var app = AgentHost.Build(new Dictionary<string, string?>
        {
            ["Agent:DataDirectory"] = _directory,
            ["Uplink:BrokerUrl"] = "mqtt://from-flag:1883",
        });

        app.Services.GetRequiredService<IOptions<AgentOptions>>().Value.DeviceId.ShouldBe("cam-1");
        app.Services.GetRequiredService<IOptions<UplinkOptions>>().Value.BrokerUrl.ShouldBe("mqtt://from-flag:1883");
        var cloud = app.Services.GetRequiredService<IOptions<CloudOptions>>().Value;
        cloud.HubUrl.ShouldBe("https://hub.example:5001");
        cloud.DeviceKey.ShouldBe("device-key-0123456789-0123456789");
    }
}
