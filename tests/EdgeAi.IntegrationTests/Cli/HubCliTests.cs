using static EdgeAi.IntegrationTests.Enrollment.EnrollmentTestKit;

namespace EdgeAi.IntegrationTests.Cli;

/// <summary>The cloud-hub admin commands (tokens, devices, audit) against a running hub, in this process.</summary>
public sealed class HubCliTests : HubTest
{
    private string[] Connection => ["--hub", Hub.Uri.ToString(), "--data-dir", Hub.DataDirectory, "--admin-key", TestHub.AdminKey];

    [Theory]
    [InlineData("--tags", "site", "--tags: 'site' has no '='")]
    [InlineData("--tags", "site=lobby,site=hall", "--tags: tag 'site' is given twice")]
    [InlineData("--tags", "bad key=x", "--tags: tag key 'bad key' is not valid")]
    [InlineData("--uses", "0", "--uses 0: expected a whole number from 1")]
    [InlineData("--expires", "7x", "--expires '7x' is not a duration; expected a whole number with a unit: 30s, 5m, 12h, 7d")]
    [InlineData("--expires", "5", "--expires '5' has no unit; expected a whole number with a unit: 30s, 5m, 12h, 7d")]
    [InlineData("--expires", "500d", "--expires '500d' must be more than zero and at most 365d")]
    public async Task TokensCreate_BadFlag_ErrorNamesFlagAndExpectedForm(string flag, string value, string message)
    {
        var result = await CliRunner.HubAsync(["tokens", "create", flag, value, .. Connection]);

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain(message);
    }

    [Fact]
    public async Task TokensListAndRevoke_ShowStateAndRevoke()
    {
        var (id, token) = await NewTokenAsync(Hub, Token, uses: 3, tags: """{"site":"lobby"}""");

        var listed = await CliRunner.HubAsync(["tokens", "list", .. Connection]);
        var revoked = await CliRunner.HubAsync(["tokens", "revoke", token, .. Connection]);
        var twice = await CliRunner.HubAsync(["tokens", "revoke", id, .. Connection]);
        var after = await CliRunner.HubAsync(["tokens", "list", .. Connection]);

        listed.ExitCode.ShouldBe(0, listed.ToString());
        listed.Output.ShouldContain(id);
        listed.Output.ShouldContain("active");
        listed.Output.ShouldContain("0/3");
        listed.Output.ShouldContain("site=lobby");
        listed.Output.ShouldNotContain(token);
        revoked.ExitCode.ShouldBe(0, revoked.ToString());
        revoked.Output.ShouldContain($"revoked enrollment token {id}");
        twice.ExitCode.ShouldBe(1);
        twice.Error.ShouldContain("409");
        twice.Error.ShouldContain("already revoked");
        after.Output.ShouldContain("revoked");
    }

    [Fact]
    public async Task DevicesListAndRevoke_ThenAuditShowsWhoDidWhat()
    {
        var (_, token) = await NewTokenAsync(Hub, Token, tags: """{"site":"lobby"}""");
        await EnrollAsync(Hub, token, Token, requestedId: "cam-1");

        var listed = await CliRunner.HubAsync(["devices", "list", .. Connection]);
        var revoked = await CliRunner.HubAsync(["devices", "revoke", "cam-1", .. Connection]);
        var unknown = await CliRunner.HubAsync(["devices", "revoke", "nobody", .. Connection]);
        var relisted = await CliRunner.HubAsync(["devices", "list", .. Connection]);
        var audit = await CliRunner.HubAsync(["audit", "--action", "device.", .. Connection]);

        listed.ExitCode.ShouldBe(0, listed.ToString());
        listed.Output.ShouldContain("cam-1");
        listed.Output.ShouldContain("site=lobby");
        revoked.ExitCode.ShouldBe(0, revoked.ToString());
        revoked.Output.ShouldContain("revoked device cam-1");
        unknown.ExitCode.ShouldBe(1);
        unknown.Error.ShouldContain("404");
        relisted.Output.Split('\n').Single(l => l.StartsWith("cam-1", StringComparison.Ordinal)).ShouldContain("revoked");
        audit.ExitCode.ShouldBe(0, audit.ToString());
        var lines = audit.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[1].ShouldContain("device.revoke");
        lines[1].ShouldContain($"admin:{Environment.UserName}");
        lines[2].ShouldContain("device.enroll");
    }

    [Fact]
    public async Task DevicesConfig_SetMergeUnsetReplace_TheHubHoldsAndPublishesIt()
    {
        var (_, token) = await NewTokenAsync(Hub, Token);
        await EnrollAsync(Hub, token, Token, requestedId: "cam-2");
        string[] config = ["devices", "config", "cam-2"];

        var empty = await CliRunner.HubAsync([.. config, .. Connection]);
        var set = await CliRunner.HubAsync([.. config, "Telemetry:SampleRate=0.1", "Rules:0:When=a=b", .. Connection]);
        var merged = await CliRunner.HubAsync([.. config, "Telemetry:SampleRate=0.5", "--unset", "Rules:0:When", "Uplink:BatchSize=100", .. Connection]);
        var replaced = await CliRunner.HubAsync([.. config, "Gpio:Enabled=true", "--replace", .. Connection]);
        var noEquals = await CliRunner.HubAsync([.. config, "Telemetry:SampleRate", .. Connection]);
        var badKey = await CliRunner.HubAsync([.. config, "Tele metry=1", .. Connection]);
        var unsetMissing = await CliRunner.HubAsync([.. config, "--unset", "Nope", .. Connection]);
        var unknown = await CliRunner.HubAsync(["devices", "config", "nobody", "A=1", .. Connection]);

        empty.ExitCode.ShouldBe(0, empty.ToString());
        empty.Output.ShouldContain("(no configuration)");
        set.ExitCode.ShouldBe(0, set.ToString());
        set.Output.ShouldContain("Telemetry:SampleRate=0.1");
        set.Output.ShouldContain("Rules:0:When=a=b");
        merged.ExitCode.ShouldBe(0, merged.ToString());
        merged.Output.ShouldContain("Telemetry:SampleRate=0.5");
        merged.Output.ShouldContain("Uplink:BatchSize=100");
        merged.Output.ShouldNotContain("Rules:0:When");
        replaced.Output.ShouldContain("Gpio:Enabled=true");
        replaced.Output.ShouldNotContain("Telemetry:SampleRate");
        using var admin = AdminApi.AdminClient(Hub);
        var desired = await AdminApi.GetJsonAsync(admin, "/api/devices/cam-2/desired", Token);
        desired.GetProperty("config").GetProperty("Gpio:Enabled").GetString().ShouldBe("true");
        desired.GetProperty("config").EnumerateObject().Count().ShouldBe(1);
        noEquals.ExitCode.ShouldBe(1);
        noEquals.Error.ShouldContain("'Telemetry:SampleRate' must be KEY=VALUE");
        badKey.ExitCode.ShouldBe(1);
        badKey.Error.ShouldContain("config key 'Tele metry' may hold only");
        unsetMissing.ExitCode.ShouldBe(1);
        unsetMissing.Error.ShouldContain("--unset Nope: device 'cam-2' has no such key");
        unknown.ExitCode.ShouldBe(1);
        unknown.Error.ShouldContain("404");
    }

    [Fact]
    public async Task AdminCommand_WrongKey_PlainErrorAndExitOne()
    {
        var result = await CliRunner.HubAsync("tokens", "list", "--hub", Hub.Uri.ToString(), "--data-dir", Hub.DataDirectory, "--admin-key", "wrong-admin-key-0123456789");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldStartWith("cloud-hub: the hub refused (401 Unauthorized): missing or wrong admin key");
    }

    [Fact]
    public async Task AdminCommand_CertificateFromAnotherCa_SaysTheHubAnsweredButWasNotTrusted()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=another-ca", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var otherCa = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var pem = Path.Combine(Scratch.Root, "another-ca.crt");
        await File.WriteAllTextAsync(pem, otherCa.ExportCertificatePem(), Token);

        var result = await CliRunner.HubAsync("tokens", "list", "--hub", Hub.Uri.ToString(), "--admin-key", TestHub.AdminKey, "--ca-cert", pem);

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("answered, but its certificate was refused");
        result.Error.ShouldContain($"does not chain to the CA in {pem}");
    }
}
