using EdgeAi.Agent.Hosting;

namespace EdgeAi.IntegrationTests.Gpio;

/// <summary>A GPIO or rules configuration that cannot work stops the real agent host at start, the error naming the setting.</summary>
public sealed class GpioStartupTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public static TheoryData<string, string> BadSettings() => new()
    {
        { "Gpio:Pins:relay:Number=3", "Gpio:Pins:relay:Number 3 is already claimed by Gpio:Pins:button" },
        { "Gpio:Pins:relay:Number=16", "Gpio:Pins:relay:Number 16 is not a pin of the chip: the simulated chip has pins 0 to 15 (Gpio:PinCount 16)" },
        { "Gpio:Pins:relay:Mode=pwm", "Gpio:Pins:relay:Mode 'pwm' is unknown" },
        { "Gpio:Indicators:online:Pin=button;Gpio:Indicators:online:State=hub-connected", "Gpio:Indicators:online:Pin 'button' is an input" },
        { "Rules:r:Trigger:Kind=command;Rules:r:Actions:0:Kind=gpio-set;Rules:r:Actions:0:Pin=button;Rules:r:Actions:0:Value=1", "Rules:r:Actions:0:Pin 'button' is an input" },
        { "Rules:r:Trigger:Kind=gpio;Rules:r:Trigger:Pin=nothing;Rules:r:Actions:0:Kind=event", "Rules:r:Trigger:Pin 'nothing' is not a configured pin" },
        { "Rules:r:Trigger:Kind=interval;Rules:r:Trigger:Interval=00:00:00.001;Rules:r:Actions:0:Kind=event", "Rules:r:Trigger:Interval" },
        { "Rules:r:Trigger:Kind=command;Rules:r:HoldOff=soon;Rules:r:Actions:0:Kind=event", "Rules:r:HoldOff" },
        { "Gpio:Pins:relay:Debounce=a while", "Gpio:Pins:relay:Debounce" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task Start_BadGpioOrRules_RefusedNamingTheSetting(string changes, string expected)
    {
        var settings = HostSettings.Merge(EdgeSettings.SimulatedPins(), new Dictionary<string, string?>
        {
            ["Agent:DataDirectory"] = _scratch.Sub("agent"),
            ["Agent:HttpPort"] = "0",
            ["Agent:GrpcPort"] = "0",
            ["Logging:LogLevel:Default"] = "None",
        }, changes.Split(';').Select(c => c.Split('=', 2)).Select(kv => new KeyValuePair<string, string?>(kv[0], kv[1])));

        Exception? refused = null;
        try
        {
            await using var app = AgentHost.Build(settings);
            await app.StartAsync(TestContext.Current.CancellationToken);
            await app.StopAsync(TestContext.Current.CancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            refused = e;
        }

        refused.ShouldNotBeNull("the agent must not start").Message.ShouldContain(expected);
    }

    public void Dispose() => _scratch.Dispose();
}
