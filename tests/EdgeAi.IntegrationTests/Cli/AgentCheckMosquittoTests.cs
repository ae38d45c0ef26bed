using EdgeAi.Agent.Enrollment;
using EdgeAi.IntegrationTests.Broker;
using static EdgeAi.IntegrationTests.Enrollment.EnrollmentTestKit;

namespace EdgeAi.IntegrationTests.Cli;

/// <summary><c>edge-agent check</c>'s broker line against a real Mosquitto whose accounts the hub keeps (dynamic security).</summary>
public sealed class AgentCheckMosquittoTests : DynamicSecurityHubTest
{
    [Fact]
    public async Task Check_EnrolledDeviceAtMosquitto_BrokerOk()
    {
        var device = await EnrolledAsync("mq-ok");

        var check = await CliRunner.AgentAsync("check", "--data-dir", device, "--broker", Broker.Uri);

        check.ExitCode.ShouldBe(0, check.ToString());
        check.Output.ShouldContain($"OK    broker: {Broker.Uri} accepted mq-ok's credentials");
    }

    [Fact]
    public async Task Check_WrongKeyAtMosquitto_BrokerFailsNamingTheReasonCode()
    {
        var device = await EnrolledAsync("mq-bad");
        (DeviceIdentity.TryRead(device)! with { DeviceKey = "wrong-key-0123456789abcdef0123456789" }).Write(device);

        var check = await CliRunner.AgentAsync("check", "--data-dir", device, "--broker", Broker.Uri);

        check.ExitCode.ShouldBe(1, check.ToString());
        var broker = check.Output.Split('\n').Single(l => l.StartsWith("FAIL  broker: ", StringComparison.Ordinal));
        broker.ShouldMatch(@"refused mq-bad: (BadUserNameOrPassword|NotAuthorized)");
    }

    private async Task<string> EnrolledAsync(string deviceId)
    {
        var (_, token) = await NewTokenAsync(Hub, Token);
        var directory = Scratch.Sub(deviceId);
        var enrolled = await CliRunner.EnrollAsync(EdgeAi.Hub.Cli.TokensCommand.EnrollLine(Hub.Uri, token, Hub.Fingerprint), deviceId, directory);
        enrolled.ExitCode.ShouldBe(0, enrolled.ToString());
        return directory;
    }
}
