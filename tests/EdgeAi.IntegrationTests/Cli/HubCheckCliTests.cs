using System.Text.Json;
using EdgeAi.Hub.Security;

namespace EdgeAi.IntegrationTests.Cli;

/// <summary><c>cloud-hub check</c> on the data directory of a hub that has run (store migrated, certificate and signing key made).</summary>
public sealed class HubCheckCliTests : HubTest
{
    [Fact]
    public async Task Check_HubThatHasRun_StoreCertificateAndKeyOk()
    {
        await Hub.StopAsync();

        var check = await CliRunner.HubAsync("check", "--data-dir", Hub.DataDirectory);

        check.ExitCode.ShouldBe(0, check.ToString());
        check.Output.ShouldContain("OK    configuration: ");
        check.Output.ShouldContain("OK    store: sqlite: reachable, ");
        check.Output.ShouldContain("none pending");
        check.Output.ShouldContain("OK    certificate: hub-server.pfx valid until ");
        check.Output.ShouldContain("OK    certificate-names: covers ");
        check.Output.ShouldContain("127.0.0.1");
        check.Output.ShouldContain("OK    signing-key: ");
        check.Output.ShouldNotContain("FAIL");
    }

    [Fact]
    public async Task CheckJson_HubThatHasRun_ParsesWithEveryCheck()
    {
        await Hub.StopAsync();

        var check = await CliRunner.HubAsync("check", "--json", "--data-dir", Hub.DataDirectory);

        using var json = JsonDocument.Parse(check.Output);
        var ids = json.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToList();
        ids.ShouldContain("configuration");
        ids.ShouldContain("data-directory");
        ids.ShouldContain("store");
        ids.ShouldContain(i => i.StartsWith("broker", StringComparison.Ordinal));
        ids.ShouldContain("certificate");
        ids.ShouldContain("certificate-names");
        ids.ShouldContain("signing-key");
    }

    [Fact]
    public async Task Check_SigningKeyReadableByOthers_FailsWithChmod()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes");
            return;
        }
        await Hub.StopAsync();
        var key = Path.Combine(Hub.DataDirectory, ModelSigningKey.PrivateKeyFileName);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var check = await CliRunner.HubAsync("check", "--data-dir", Hub.DataDirectory);

        check.ExitCode.ShouldBe(1, check.ToString());
        check.Output.ShouldContain($"FAIL  signing-key: {key} is readable by others (mode 644)");
        check.Output.ShouldContain($"fix: chmod 600 {key}");
    }
}
