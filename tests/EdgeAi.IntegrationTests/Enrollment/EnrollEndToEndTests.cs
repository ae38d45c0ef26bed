using System.Text.Json;
using EdgeAi.Agent.Cloud;
using EdgeAi.Agent.Enrollment;
using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Uplink;
using EdgeAi.Common.Onnx;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static EdgeAi.IntegrationTests.Enrollment.EnrollmentTestKit;

namespace EdgeAi.IntegrationTests.Enrollment;

/// <summary>
/// The whole loop as an operator types it: <c>cloud-hub tokens create</c> against a hub with a
/// generated admin key, the printed <c>edge-agent enroll</c> line run as is, then <c>edge-agent run</c>
/// with nothing but the data directory reaching the hub over MQTT (TLS) and gRPC.
/// </summary>
public sealed class EnrollEndToEndTests() : HubTest(new Dictionary<string, string?> { ["Hub:AdminKey"] = null })
{
    public override async ValueTask InitializeAsync()
    {
        Hub.Install("classifier", SampleModels.Classifier());
        await base.InitializeAsync();
    }

    private string[] Connection => ["--hub", Hub.Uri.ToString(), "--data-dir", Hub.DataDirectory];

    [Fact]
    public async Task TokensCreateThenPrintedEnrollLine_AgentRunsWithNoOtherFlags()
    {
        var created = await CliRunner.HubAsync(["tokens", "create", "--tags", "site=lobby,kind=camera", "--uses", "10", "--expires", "7d", .. Connection]);
        created.ExitCode.ShouldBe(0, created.ToString());
        var enrollLine = CliRunner.EnrollLine(created);
        enrollLine.ShouldContain($"--fingerprint {Hub.Fingerprint}");

        var agentDirectory = Scratch.Sub("agent");
        var enrolled = await CliRunner.EnrollAsync(enrollLine, "lobby-cam", agentDirectory);

        enrolled.ExitCode.ShouldBe(0, enrolled.ToString());
        enrolled.Output.ShouldContain("Enrolled as lobby-cam");
        var identityPath = Path.Combine(agentDirectory, DeviceIdentity.FileName);
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(identityPath).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        using (var identity = JsonDocument.Parse(await File.ReadAllTextAsync(identityPath, Token)))
        {
            var root = identity.RootElement;
            root.GetProperty("deviceId").GetString().ShouldBe("lobby-cam");
            root.GetProperty("deviceKey").GetString()!.Length.ShouldBeGreaterThanOrEqualTo(32);
            root.GetProperty("hubUrl").GetString().ShouldBe(Hub.Uri.GetLeftPart(UriPartial.Authority));
            root.GetProperty("brokerUrl").GetString().ShouldBe($"mqtts://127.0.0.1:{Hub.MqttTlsPort}");
            root.GetProperty("tags").GetProperty("site").GetString().ShouldBe("lobby");
        }
        (await File.ReadAllTextAsync(Path.Combine(agentDirectory, DeviceIdentity.HubCaFileName), Token)).ShouldBe(await File.ReadAllTextAsync(Hub.CaPath, Token));
        (await File.ReadAllTextAsync(Path.Combine(agentDirectory, DeviceIdentity.SigningKeyFileName), Token)).ShouldContain("BEGIN PUBLIC KEY");
        (await HubStore.DeviceAsync(Hub, "lobby-cam", Token))!.Tags.ShouldBe("""{"kind":"camera","site":"lobby"}""");

        // edge-agent run: only the data directory (and test ports); everything else comes from identity.json.
        await using var agent = new TestAgent(agentDirectory);
        await agent.StartAsync(hub: null);
        var options = agent.Services.GetRequiredService<IOptions<CloudOptions>>().Value;
        options.CaCertificatePath.ShouldBe(Path.Combine(agentDirectory, DeviceIdentity.HubCaFileName));
        agent.Services.GetRequiredService<IOptions<UplinkOptions>>().Value.BrokerUrl.ShouldBe($"mqtts://127.0.0.1:{Hub.MqttTlsPort}");
        await Eventually.UntilAsync(async () => (await HubStore.DeviceAsync(Hub, "lobby-cam", Token))?.Online == true, "the enrolled agent online at the hub over MQTT TLS", Token);
        var response = await agent.Grpc.ModelInferAsync(Requests.Fp32("classifier", [1, 4], [1, 2, 3, 4]), cancellationToken: Token);
        response.Parameters["edgeai.served_by"].StringParam.ShouldBe("cloud");
    }

    [Fact]
    public async Task Enroll_ExistingIdentity_RefusedUnlessForce()
    {
        var agentDirectory = Scratch.Sub("agent");
        var (_, first) = await NewTokenAsync(Hub, Token, uses: 2, admin: AdminKey());
        (await EnrollCliAsync(agentDirectory, first)).ExitCode.ShouldBe(0);

        var again = await EnrollCliAsync(agentDirectory, first);
        var forced = await EnrollCliAsync(agentDirectory, first, "--force");

        again.ExitCode.ShouldBe(1);
        again.Error.ShouldContain("already enrolled");
        again.Error.ShouldContain("--force");
        forced.ExitCode.ShouldBe(0, forced.ToString());
    }

    [Fact]
    public async Task Enroll_WrongFingerprint_FailsBeforeTheTokenIsSpent()
    {
        var (tokenId, token) = await NewTokenAsync(Hub, Token, admin: AdminKey());

        var result = await CliRunner.AgentAsync("enroll", "--hub", Hub.Uri.ToString(), "--token", token, "--fingerprint", new string('A', 64), "--data-dir", Scratch.Sub("agent"));

        result.ExitCode.ShouldBe(1);
        // The hub answered; only the pin did not match, and the message says which certificate it saw.
        result.Error.ShouldContain("the hub answered, but its certificate was refused");
        result.Error.ShouldContain($"fingerprint is {Hub.Fingerprint}, not the pinned {new string('A', 64)}");
        (await TokenRowAsync(Hub, tokenId, Token)).Uses.ShouldBe(0);
        File.Exists(Path.Combine(Scratch.Root, "agent", DeviceIdentity.FileName)).ShouldBeFalse();
    }

    [Fact]
    public async Task Enroll_RefusedToken_SaysWhyAndWritesNothing()
    {
        var (tokenId, token) = await NewTokenAsync(Hub, Token, admin: AdminKey());
        await ExpireAsync(Hub, tokenId, Token);
        var agentDirectory = Scratch.Sub("agent");

        var result = await EnrollCliAsync(agentDirectory, token);

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain($"enrollment token {tokenId} expired");
        Directory.EnumerateFileSystemEntries(agentDirectory).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("http://127.0.0.1:5001", "plain http")]
    [InlineData("ftp://hub", "--hub 'ftp://hub'")]
    public async Task Enroll_UnsafeOrBadHubAddress_RefusedWithoutContactingIt(string hub, string message)
    {
        var result = await CliRunner.AgentAsync("enroll", "--hub", hub, "--token", "0123456789ab.secret", "--data-dir", Scratch.Sub("agent"));

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain(message);
    }

    private Task<CliResult> EnrollCliAsync(string dataDirectory, string token, params string[] extra) =>
        CliRunner.AgentAsync(["enroll", "--hub", Hub.Uri.ToString(), "--token", token, "--fingerprint", Hub.Fingerprint, "--data-dir", dataDirectory, .. extra]);

    private string AdminKey() => File.ReadAllText(Path.Combine(Hub.DataDirectory, EdgeAi.Hub.Cli.AdminConnection.AdminKeyFileName)).Trim();
}
