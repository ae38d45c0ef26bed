using EdgeAi.IntegrationTests.Gpio;

namespace EdgeAi.IntegrationTests.Cli;

/// <summary><c>edge-agent gpio …</c> and <c>edge-agent rules …</c> against a running agent's REST port, as a person types them.</summary>
public sealed class AgentGpioCliTests : IAsyncLifetime
{
    private readonly Scratch _scratch = new();
    private readonly TestAgent _agent;

    public AgentGpioCliTests() => _agent = new TestAgent(_scratch.Sub("agent"));

    private string Url => _agent.HttpUri.ToString();

    public async ValueTask InitializeAsync() => await _agent.StartAsync(hub: null, HostSettings.Merge(EdgeSettings.SimulatedPins(), new Dictionary<string, string?>
    {
        ["Rules:door:Trigger:Kind"] = "gpio",
        ["Rules:door:Trigger:Pin"] = "button",
        ["Rules:door:Actions:0:Kind"] = "gpio-set",
        ["Rules:door:Actions:0:Pin"] = "relay",
        ["Rules:door:Actions:0:Value"] = "1",
        ["Rules:door:Actions:1:Kind"] = "event",
    }));

    [Fact]
    public async Task GpioCommands_ListWriteReadPulseAndDriveAnInput()
    {
        var list = await CliRunner.AgentAsync("gpio", "list", "--url", Url);
        list.ExitCode.ShouldBe(0, list.ToString());
        list.Output.ShouldContain("driver simulated: enabled (16 lines)");
        list.Output.ShouldContain("button");
        list.Output.ShouldContain("simulated: can be driven");

        var write = await CliRunner.AgentAsync("gpio", "write", "lamp", "on", "--url", Url);
        write.ExitCode.ShouldBe(0, write.ToString());
        write.Output.Trim().ShouldBe($"lamp (pin {EdgeSettings.LampLine}, output) = 1");
        EdgeSettings.High(_agent, EdgeSettings.LampLine).ShouldBeTrue();
        var read = await CliRunner.AgentAsync("gpio", "read", EdgeSettings.LampLine.ToString(System.Globalization.CultureInfo.InvariantCulture), "--url", Url);
        read.Output.Trim().ShouldBe($"lamp (pin {EdgeSettings.LampLine}, output) = 1");

        var pulse = await CliRunner.AgentAsync("gpio", "pulse", "relay", "--ms", "30", "--url", Url);
        pulse.ExitCode.ShouldBe(0, pulse.ToString());
        pulse.Output.ShouldContain("relay (pin 6) pulsed for 30 ms");

        // Driving the simulated button fires the rule, which sets the relay.
        var press = await CliRunner.AgentAsync("gpio", "write", "button", "1", "--url", Url);
        press.ExitCode.ShouldBe(0, press.ToString());
        await Eventually.UntilAsync(async () => (await CliRunner.AgentAsync("gpio", "read", "relay", "--url", Url)).Output.Contains("= 1", StringComparison.Ordinal),
            "the relay set by the rule, as gpio read shows it", TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task RulesCommands_ListAndFire()
    {
        var fire = await CliRunner.AgentAsync("rules", "fire", "door", "--url", Url);
        fire.ExitCode.ShouldBe(0, fire.ToString());
        fire.Output.ShouldStartWith("rule door fired in ");

        var list = await CliRunner.AgentAsync("rules", "list", "--url", Url);
        list.ExitCode.ShouldBe(0, list.ToString());
        list.Output.ShouldContain("door");
        list.Output.ShouldContain("gpio button");
        list.Output.ShouldContain("gpio-set relay=1, event");
        list.Output.ShouldContain("last: rule door fired");
    }

    [Theory]
    [InlineData("gpio,write,nope,1", "no pin 'nope': Gpio:Pins has button, lamp, relay")]
    [InlineData("gpio,write,lamp,maybe", "'value' \"maybe\" is not a pin value")]
    [InlineData("gpio,pulse,lamp,--ms,0", "ms '0' must be a whole number of milliseconds from 1 to 3600000")]
    [InlineData("rules,fire,nope", "no rule 'nope' (rules: door)")]
    public async Task Commands_Refused_OneLineNamingTheProblemAndExitCode1(string args, string expected)
    {
        var result = await CliRunner.AgentAsync([.. args.Split(','), "--url", Url]);

        result.ExitCode.ShouldBe(1, result.ToString());
        result.Error.ShouldContain(expected);
        result.Error.Trim().Split('\n').ShouldHaveSingleItem();
    }

    [Fact]
    public async Task Commands_NoAgentThere_SayItCannotBeReached()
    {
        var result = await CliRunner.AgentAsync("gpio", "list", "--url", "http://127.0.0.1:1");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("cannot reach the agent at http://127.0.0.1:1/");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _agent.DisposeAsync();
        }
        finally
        {
            _scratch.Dispose();
        }
    }
}
