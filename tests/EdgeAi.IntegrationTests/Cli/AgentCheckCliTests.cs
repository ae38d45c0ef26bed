using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using EdgeAi.Agent.Enrollment;
using EdgeAi.Common.Onnx;
using static EdgeAi.IntegrationTests.Enrollment.EnrollmentTestKit;

namespace EdgeAi.IntegrationTests.Cli;

/// <summary><c>edge-agent check</c> on a device enrolled with a real hub (TLS, embedded broker), healthy and broken in one way at a time.</summary>
public sealed class AgentCheckCliTests : HubTest
{
    private static readonly string[] EveryCheck = ["configuration", "data-directory", "enrollment", "outbox", "outbox-encryption", "model classifier/1", "gpio", "hub", "hub-certificate", "clock-skew", "broker"];

    [Fact]
    public async Task Check_HealthyEnrolledAgent_EveryCheckOkAndExitZero()
    {
        var device = await EnrolledAsync("check-ok");

        var check = await CliRunner.AgentAsync("check", "--data-dir", device);

        check.ExitCode.ShouldBe(0, check.ToString());
        var lines = check.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var id in EveryCheck.Where(i => i != "data-directory"))
        {
            lines.ShouldContain(l => l.StartsWith($"OK    {id}: ", StringComparison.Ordinal), $"{id} is OK:\n{check}");
        }
        check.Output.ShouldContain("model classifier/1: loads on CPU");
        check.Output.ShouldContain("enrollment: enrolled as check-ok at ");
        check.Output.ShouldNotContain("FAIL");
    }

    [Fact]
    public async Task CheckJson_HealthyEnrolledAgent_ParsesWithEveryCheck()
    {
        var device = await EnrolledAsync("check-json");

        var check = await CliRunner.AgentAsync("check", "--json", "--data-dir", device);

        check.ExitCode.ShouldBe(0, check.ToString());
        using var json = JsonDocument.Parse(check.Output);
        var checks = json.RootElement.GetProperty("checks").EnumerateArray().ToList();
        checks.Select(c => c.GetProperty("id").GetString()).ShouldBe(EveryCheck, ignoreOrder: true);
        checks.ShouldAllBe(c => c.GetProperty("message").GetString()!.Length > 0);
        checks.Where(c => c.GetProperty("id").GetString() != "data-directory").ShouldAllBe(c => c.GetProperty("status").GetString() == "ok");
    }

    [Fact]
    public async Task Check_BrokenConfigurationKey_FailsNamingTheKey()
    {
        var device = await EnrolledAsync("check-config");
        Rewrite(device, identity => identity with { HubUrl = "hub.example:5001" });

        var check = await CliRunner.AgentAsync("check", "--data-dir", device);

        check.ExitCode.ShouldBe(1, check.ToString());
        check.Output.ShouldContain("FAIL  configuration: ");
        check.Output.ShouldContain("Cloud:HubUrl 'hub.example:5001' must be an absolute https://");
    }

    [Fact]
    public async Task Check_DataDirectoryIsAFile_FailsAndExitsOne()
    {
        var path = Path.Combine(Scratch.Sub("file"), "data");
        await File.WriteAllTextAsync(path, "not a directory", Token);

        var check = await CliRunner.AgentAsync("check", "--data-dir", path);

        check.ExitCode.ShouldBe(1, check.ToString());
        check.Output.ShouldContain($"FAIL  data-directory: {path} is a file, not a directory");
        check.Output.ShouldContain("      fix: ");
    }

    [Fact]
    public async Task Check_CorruptedModelFile_FailsWithTheLoadError()
    {
        var device = await EnrolledAsync("check-model");
        await File.WriteAllBytesAsync(Path.Combine(device, "models", "classifier", "1", "model.onnx"), [0x08, 0x07, 0xFF, 0xFF, 0x13, 0x37], Token);

        var check = await CliRunner.AgentAsync("check", "--data-dir", device);

        check.ExitCode.ShouldBe(1, check.ToString());
        check.Output.ShouldContain("FAIL  model classifier/1: ");
        check.Output.ShouldContain("fix: reinstall it: edge-agent models remove classifier --version 1");
        check.Output.ShouldContain("OK    hub: ");
    }

    [Fact]
    public async Task Check_HubStopped_HubAndBrokerFail()
    {
        var device = await EnrolledAsync("check-down");
        await Hub.StopAsync();

        var check = await CliRunner.AgentAsync("check", "--data-dir", device);

        check.ExitCode.ShouldBe(1, check.ToString());
        check.Output.ShouldContain("FAIL  hub: ");
        check.Output.ShouldContain("cannot be reached");
        check.Output.ShouldContain("FAIL  broker: ");
    }

    [Fact]
    public async Task Check_WrongDeviceKey_BrokerFailsNamingTheReasonCode()
    {
        var device = await EnrolledAsync("check-key");
        Rewrite(device, identity => identity with { DeviceKey = "not-the-key-0123456789abcdef0123456789" });

        var check = await CliRunner.AgentAsync("check", "--data-dir", device);

        check.ExitCode.ShouldBe(1, check.ToString());
        var broker = check.Output.Split('\n').Single(l => l.StartsWith("FAIL  broker: ", StringComparison.Ordinal));
        broker.ShouldContain("BadUserNameOrPassword");
        check.Output.ShouldContain("edge-agent enroll --force");
    }

    [Fact]
    public async Task Check_HubCertificateNotTrusted_HubFailsWithTheRefusal()
    {
        var device = await EnrolledAsync("check-tls");
        using (var other = OtherCa())
        {
            await File.WriteAllTextAsync(Path.Combine(device, DeviceIdentity.HubCaFileName), other.ExportCertificatePem() + "\n", Token);
        }

        var check = await CliRunner.AgentAsync("check", "--data-dir", device);

        check.ExitCode.ShouldBe(1, check.ToString());
        check.Output.ShouldContain("FAIL  hub: ");
        check.Output.ShouldContain("refused by this device's trust settings");
        check.Output.ShouldContain("FAIL  broker: ");
    }

    /// <summary>A device enrolled through the printed enroll line, with the classifier installed.</summary>
    private async Task<string> EnrolledAsync(string deviceId)
    {
        var (_, token) = await NewTokenAsync(Hub, Token);
        var directory = Scratch.Sub(deviceId);
        var enrolled = await CliRunner.EnrollAsync(EdgeAi.Hub.Cli.TokensCommand.EnrollLine(Hub.Uri, token, Hub.Fingerprint), deviceId, directory);
        enrolled.ExitCode.ShouldBe(0, enrolled.ToString());
        await using var agent = new TestAgent(directory);
        agent.Install("classifier", SampleModels.Classifier());
        return directory;
    }

    private static void Rewrite(string directory, Func<DeviceIdentity, DeviceIdentity> change) =>
        change(DeviceIdentity.TryRead(directory)!).Write(directory);

    private static X509Certificate2 OtherCa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=not the hub's CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }
}
