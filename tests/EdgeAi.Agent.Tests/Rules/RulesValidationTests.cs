using EdgeAi.Agent.Gpio;
using EdgeAi.Agent.Rules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Tests.Rules;

/// <summary>The checks a rule set and the GPIO configuration pass before they apply, each refusal naming its setting.</summary>
public sealed class RulesValidationTests
{
    public static TheoryData<string, string> BadRules() => new()
    {
        { "Trigger:Kind=tap", "Rules:r:Trigger:Kind 'tap' is unknown" },
        { "Trigger:Pin=lamp", "Rules:r:Trigger:Pin 'lamp' is an output" },
        { "Trigger:Pin=nope", "Rules:r:Trigger:Pin 'nope' is not a configured pin (Gpio:Pins has button, lamp, status)" },
        { "Actions:0:Pin=button", "Rules:r:Actions:0:Pin 'button' is an input (Gpio:Pins:button:Mode input); a rule action needs an output pin" },
        { "Actions:0:Pin=status", "Rules:r:Actions:0:Pin 'status' is driven by the indicator Gpio:Indicators:online" },
        { "Actions:0:Value=maybe", "Rules:r:Actions:0:Value 'maybe' is not a pin value" },
        { "Actions:0:Kind=email", "Rules:r:Actions:0:Kind 'email' is unknown" },
        { "Actions:0:Kind=webhook;Actions:0:Url=ftp://example/x", "Rules:r:Actions:0:Url 'ftp://example/x' must be an absolute http:// or https:// address" },
        { "Actions:0:Kind=webhook;Actions:0:Url=http://example/x;Actions:0:QueueCapacity=0", "Rules:r:Actions:0:QueueCapacity 0 must be between 1 and 100000" },
        { "HoldOff=-00:00:01", "Rules:r:HoldOff -00:00:01 must be between 0 and 1.00:00:00" },
        { "Timeout=00:00:00", "Rules:r:Timeout 00:00:00 must be between" },
        { "Trigger:Kind=interval;Trigger:Interval=00:00:00.010", "Rules:r:Trigger:Interval 00:00:00.0100000 must be between 00:00:00.100 and 1.00:00:00" },
        { "Trigger:Kind=file;Trigger:Directory=cam", "Rules:r:Trigger:Directory 'cam' must be an absolute path" },
        { "Trigger:Kind=file;Trigger:Directory=/cam;Trigger:Pattern=a/*.jpg", "Rules:r:Trigger:Pattern 'a/*.jpg' must be a file-name glob" },
        { "Input:Kind=trigger-file;Target=m", "Rules:r:Input:Kind trigger-file needs a file trigger" },
        { "Input:Kind=capture;Target=m", "Rules:r:Input:Command is missing" },
        { "Target=m", "Rules:r:Input:Kind is none, but Target 'm' needs an input" },
        { "Target=bad name", "Rules:r:Target 'bad name' is not a model or pipeline name" },
        { "Condition:Kind=label;Condition:Label=cat", "Rules:r:Condition:Kind label judges a result, but the rule has no Target" },
        { "Condition:Kind=sometimes", "Rules:r:Condition:Kind 'sometimes' is unknown" },
        { "Actions:0:Kind=", "Rules:r:Actions:0:Kind '' is unknown" },
    };

    [Theory]
    [MemberData(nameof(BadRules))]
    public void Validate_BadRule_RefusedNamingTheSetting(string changes, string expected)
    {
        var result = Validate(Rule(changes));

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldNotBeNull().ShouldContain(expected);
    }

    [Fact]
    public void Validate_RuleWithoutActions_Refused()
    {
        var rule = Rule("");
        rule.Actions.Clear();

        Validate(rule).FailureMessage.ShouldNotBeNull().ShouldContain("Rules:r:Actions is empty");
    }

    [Theory]
    [InlineData("")]
    [InlineData("Target=not-installed-yet;Input:Kind=newest-file;Input:Directory=/cam;Condition:Kind=label;Condition:Label=person;Condition:MinScore=0.8")]
    [InlineData("Trigger:Kind=command;Actions:0:Kind=event")]
    [InlineData("Trigger:Kind=file;Trigger:Directory=/cam;Trigger:Pattern=*.jpg;Input:Kind=trigger-file;Target=m;Condition:Kind=any-score;Condition:Threshold=0.9")]
    public void Validate_GoodRule_Passes(string changes)
    {
        // A target that is not served (yet) is not an error: the model may arrive later; the engine warns.
        var result = Validate(Rule(changes));

        result.Succeeded.ShouldBeTrue(result.FailureMessage);
    }

    public static TheoryData<string, string> BadPins() => new()
    {
        { "Pins:b:Number=1", "Gpio:Pins:b:Number 1 is already claimed by Gpio:Pins:a" },
        { "Pins:b:Number=8", "Gpio:Pins:b:Number 8 is not a pin of the chip: the simulated chip has pins 0 to 7 (Gpio:PinCount 8)" },
        { "Pins:b:Number=2;Pins:b:Mode=analog", "Gpio:Pins:b:Mode 'analog' is unknown" },
        { "Pins:b:Number=2;Pins:b:Edge=up", "Gpio:Pins:b:Edge 'up' is unknown" },
        { "Pins:b:Number=2;Pins:b:Debounce=00:01:00", "Gpio:Pins:b:Debounce 00:01:00 must be between 0 and 00:00:10" },
        { "Pins:b:Number=2;Pins:b:Mode=output;Pins:b:InitialValue=half", "Gpio:Pins:b:InitialValue 'half' is not a pin value" },
        { "Pins:b:Mode=output", "Gpio:Pins:b:Number is missing" },
        { "Indicators:led:Pin=a;Indicators:led:State=error", "Gpio:Indicators:led:Pin 'a' is an input (Gpio:Pins:a:Mode input); an indicator needs an output pin" },
        { "Indicators:led:Pin=ghost;Indicators:led:State=error", "Gpio:Indicators:led:Pin 'ghost' is not a configured pin" },
        { "Pins:b:Number=2;Pins:b:Mode=output;Indicators:led:Pin=b;Indicators:led:State=sleepy", "Gpio:Indicators:led:State 'sleepy' is unknown" },
        { "Pins:b:Number=2;Pins:b:Mode=output;Indicators:led:Pin=b;Indicators:led:State=model-ready", "Gpio:Indicators:led:Model is missing" },
        { "Driver=gpiozero", "Gpio:Driver 'gpiozero' is unknown" },
    };

    [Theory]
    [MemberData(nameof(BadPins))]
    public void Validate_BadGpio_RefusedNamingTheSetting(string changes, string expected)
    {
        var options = new GpioOptions { Driver = GpioDriverNames.Simulated, PinCount = 8 };
        options.Pins["a"] = new GpioPinOptions { Number = 1 };
        ApplyGpio(options, changes);

        var result = new GpioOptionsValidator().Validate(null, options);

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldNotBeNull().ShouldContain(expected);
    }

    private static ValidateOptionsResult Validate(RuleOptions rule)
    {
        var gpio = new GpioOptions { Driver = GpioDriverNames.Simulated };
        gpio.Pins["button"] = new GpioPinOptions { Number = 1, Mode = PinModes.Input };
        gpio.Pins["lamp"] = new GpioPinOptions { Number = 2, Mode = PinModes.Output };
        gpio.Pins["status"] = new GpioPinOptions { Number = 3, Mode = PinModes.Output };
        gpio.Indicators["online"] = new IndicatorOptions { Pin = "status", State = IndicatorStates.HubConnected };
        var rules = new RulesOptions();
        rules.Rules["r"] = rule;
        return new RulesOptionsValidator(Options.Create(gpio)).Validate(null, rules);
    }

    /// <summary>A valid rule (button → set lamp on) with "Key=Value;…" over it, bound from configuration as the agent binds it.</summary>
    private static RuleOptions Rule(string changes)
    {
        var rule = new RuleOptions();
        Configuration("Trigger:Kind=gpio;Trigger:Pin=button;Actions:0:Kind=gpio-set;Actions:0:Pin=lamp;Actions:0:Value=1;" + changes).Bind(rule);
        return rule;
    }

    private static void ApplyGpio(GpioOptions options, string changes) =>
        Configuration(changes).Bind(options);

    private static IConfiguration Configuration(string changes) =>
        new ConfigurationBuilder().AddInMemoryCollection(changes.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(c => c.Split('=', 2))
            .GroupBy(kv => kv[0], StringComparer.OrdinalIgnoreCase)
            .Select(g => new KeyValuePair<string, string?>(g.Key, g.Last()[1]))).Build();
}
