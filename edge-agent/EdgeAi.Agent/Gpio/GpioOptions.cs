using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Gpio;

/// <summary>
/// The device's GPIO: which driver, which chip, the pins by name, and the indicators that show the agent's
/// state on output pins. Read once at start (pins cannot be re-claimed live); rules refer to pins by name.
/// </summary>
internal sealed class GpioOptions : IValidatableObject
{
    public const string Section = "Gpio";

    /// <summary>none (default: no GPIO), libgpiod (the character device, /dev/gpiochipN), sysfs (/sys/class/gpio) or simulated (in software).</summary>
    public string Driver { get; set; } = GpioDriverNames.None;

    /// <summary>libgpiod: the chip number (N of /dev/gpiochipN).</summary>
    [Range(0, 255)]
    public int Chip { get; set; }

    /// <summary>simulated: how many lines the software chip has (pins 0 to PinCount-1).</summary>
    [Range(1, 1024)]
    public int PinCount { get; set; } = 32;

    /// <summary>How often indicator pins are brought up to date (and blink phases advance).</summary>
    public TimeSpan IndicatorInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    public IDictionary<string, GpioPinOptions> Pins { get; } = new Dictionary<string, GpioPinOptions>(StringComparer.OrdinalIgnoreCase);

    public IDictionary<string, IndicatorOptions> Indicators { get; } = new Dictionary<string, IndicatorOptions>(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) => GpioValidation.Validate(this);
}

/// <summary>One named pin: its line number, direction and how its edges or levels are treated.</summary>
internal sealed class GpioPinOptions
{
    /// <summary>The line number on the chip (BCM numbering on a Raspberry Pi).</summary>
    public int? Number { get; set; }

    /// <summary>input, input-pullup, input-pulldown or output.</summary>
    public string Mode { get; set; } = PinModes.Input;

    /// <summary>Inputs: which logical edge triggers: rising (becoming active), falling or both.</summary>
    public string Edge { get; set; } = PinEdges.Rising;

    /// <summary>Inputs: a new level counts only once it has held this long (contact bounce); 0 = every edge.</summary>
    public TimeSpan Debounce { get; set; }

    /// <summary>Inputs: at most one trigger per this interval; edges inside it are counted and ignored.</summary>
    public TimeSpan HoldOff { get; set; }

    /// <summary>Outputs: the logical value set when the pin is opened (0/1, low/high, off/on, false/true).</summary>
    public string InitialValue { get; set; } = "0";

    /// <summary>The pin is active (logical 1) at the low electrical level: values, edges and pulses are logical.</summary>
    public bool ActiveLow { get; set; }

    /// <summary>Outputs: how long a pulse keeps the pin active unless the pulse names its own length.</summary>
    public TimeSpan PulseLength { get; set; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>An output pin that follows one agent state, steady or blinking.</summary>
internal sealed class IndicatorOptions
{
    /// <summary>The name of an output pin in Gpio:Pins (the indicator owns it: no rule may write it).</summary>
    public string? Pin { get; set; }

    /// <summary>hub-connected, model-ready, inference-running, rule-fired or error.</summary>
    public string? State { get; set; }

    /// <summary>model-ready: the model (or pipeline) whose readiness is shown.</summary>
    public string? Model { get; set; }

    /// <summary>rule-fired: only this rule (default: any rule).</summary>
    public string? Rule { get; set; }

    /// <summary>rule-fired and error: how long the indicator stays on after the last fire or error.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>steady (on while the state holds) or blink (on and off every half Period while it holds).</summary>
    public string Pattern { get; set; } = IndicatorPatterns.Steady;

    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(1);
}

internal static class GpioDriverNames
{
    public const string None = "none";
    public const string LibGpiod = "libgpiod";
    public const string SysFs = "sysfs";
    public const string Simulated = "simulated";

    public static readonly IReadOnlyList<string> All = [None, LibGpiod, SysFs, Simulated];
}

internal static class PinModes
{
    public const string Input = "input";
    public const string InputPullUp = "input-pullup";
    public const string InputPullDown = "input-pulldown";
    public const string Output = "output";

    public static readonly IReadOnlyList<string> All = [Input, InputPullUp, InputPullDown, Output];

    public static bool IsInput(string mode) => mode is Input or InputPullUp or InputPullDown;
}

internal static class PinEdges
{
    public const string Rising = "rising";
    public const string Falling = "falling";
    public const string Both = "both";

    public static readonly IReadOnlyList<string> All = [Rising, Falling, Both];
}

internal static class IndicatorStates
{
    public const string HubConnected = "hub-connected";
    public const string ModelReady = "model-ready";
    public const string InferenceRunning = "inference-running";
    public const string RuleFired = "rule-fired";
    public const string Error = "error";

    public static readonly IReadOnlyList<string> All = [HubConnected, ModelReady, InferenceRunning, RuleFired, Error];
}

internal static class IndicatorPatterns
{
    public const string Steady = "steady";
    public const string Blink = "blink";

    public static readonly IReadOnlyList<string> All = [Steady, Blink];
}

/// <summary>Logical pin values as people write them: 0/1, low/high, off/on, false/true.</summary>
internal static class PinLevels
{
    public static bool TryParse(string? text, out bool value)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "1" or "high" or "on" or "true":
                value = true;
                return true;
            case "0" or "low" or "off" or "false":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    public static string Text(bool value) => value ? "1" : "0";
}

/// <summary>What makes a GPIO configuration wrong, each message naming the setting.</summary>
internal static class GpioValidation
{
    private static readonly TimeSpan MaxDebounce = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxHoldOff = TimeSpan.FromDays(1);
    private static readonly TimeSpan MaxPulse = TimeSpan.FromHours(1);

    /// <summary>Pin, indicator and rule names: they appear in URLs, metric labels and configuration keys.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    public static IEnumerable<ValidationResult> Validate(GpioOptions options)
    {
        if (!GpioDriverNames.All.Contains(options.Driver, StringComparer.Ordinal))
        {
            yield return Error($"Gpio:Driver '{options.Driver}' is unknown; expected one of {string.Join(", ", GpioDriverNames.All)}.", nameof(options.Driver));
        }
        if (options.IndicatorInterval < TimeSpan.FromMilliseconds(5) || options.IndicatorInterval > TimeSpan.FromSeconds(10))
        {
            yield return Error($"Gpio:IndicatorInterval {options.IndicatorInterval} must be between 00:00:00.005 and 00:00:10.", nameof(options.IndicatorInterval));
        }
        var claimed = new Dictionary<int, string>();
        foreach (var (name, pin) in options.Pins)
        {
            var key = $"Gpio:Pins:{name}";
            if (!IsValidName(name) || name.All(char.IsAsciiDigit))
            {
                yield return Error($"{key}: the pin name must be 1-64 letters, digits, '.', '_' or '-' and not a number (the REST routes and the CLI take a pin by name or number).", nameof(options.Pins));
            }
            if (pin.Number is not { } number)
            {
                yield return Error($"{key}:Number is missing: give the pin's line number on the chip.", nameof(options.Pins));
            }
            else if (number < 0 || (options.Driver == GpioDriverNames.Simulated && number >= options.PinCount))
            {
                yield return Error(
                    $"{key}:Number {number} is not a pin of the chip: the simulated chip has pins 0 to {options.PinCount - 1} (Gpio:PinCount {options.PinCount}).",
                    nameof(options.Pins));
            }
            else if (claimed.TryGetValue(number, out var other))
            {
                yield return Error($"{key}:Number {number} is already claimed by Gpio:Pins:{other}: a pin has one name and one mode.", nameof(options.Pins));
            }
            else
            {
                claimed[number] = name;
            }
            foreach (var problem in ValidatePin(key, pin))
            {
                yield return Error(problem, nameof(options.Pins));
            }
        }

        var indicatorPins = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, indicator) in options.Indicators)
        {
            var key = $"Gpio:Indicators:{name}";
            if (!IsValidName(name))
            {
                yield return Error($"{key}: the indicator name must be 1-64 letters, digits, '.', '_' or '-'.", nameof(options.Indicators));
            }
            if (OutputPinProblem(options, $"{key}:Pin", indicator.Pin, "an indicator") is { } pinProblem)
            {
                yield return Error(pinProblem, nameof(options.Indicators));
            }
            else if (indicatorPins.TryGetValue(indicator.Pin!, out var owner))
            {
                yield return Error($"{key}:Pin '{indicator.Pin}' is already driven by Gpio:Indicators:{owner}: one indicator per pin.", nameof(options.Indicators));
            }
            else
            {
                indicatorPins[indicator.Pin!] = name;
            }
            if (indicator.State is null || !IndicatorStates.All.Contains(indicator.State, StringComparer.Ordinal))
            {
                yield return Error($"{key}:State '{indicator.State}' is unknown; expected one of {string.Join(", ", IndicatorStates.All)}.", nameof(options.Indicators));
            }
            else if (indicator.State == IndicatorStates.ModelReady && string.IsNullOrWhiteSpace(indicator.Model))
            {
                yield return Error($"{key}:Model is missing: a model-ready indicator names the model (or pipeline) it shows.", nameof(options.Indicators));
            }
            if (!IndicatorPatterns.All.Contains(indicator.Pattern, StringComparer.Ordinal))
            {
                yield return Error($"{key}:Pattern '{indicator.Pattern}' is unknown; expected steady or blink.", nameof(options.Indicators));
            }
            if (indicator.Period < TimeSpan.FromMilliseconds(20) || indicator.Period > TimeSpan.FromMinutes(1))
            {
                yield return Error($"{key}:Period {indicator.Period} must be between 00:00:00.020 and 00:01:00.", nameof(options.Indicators));
            }
            if (indicator.Window < TimeSpan.FromMilliseconds(100) || indicator.Window > TimeSpan.FromDays(1))
            {
                yield return Error($"{key}:Window {indicator.Window} must be between 00:00:00.100 and 1.00:00:00.", nameof(options.Indicators));
            }
        }
    }

    /// <summary>Why <paramref name="pin"/> cannot be written by <paramref name="user"/> (not configured, or an input), or null.</summary>
    public static string? OutputPinProblem(GpioOptions options, string setting, string? pin, string user)
    {
        if (string.IsNullOrWhiteSpace(pin))
        {
            return $"{setting} is missing: name an output pin of Gpio:Pins.";
        }
        if (!options.Pins.TryGetValue(pin, out var configured))
        {
            return $"{setting} '{pin}' is not a configured pin ({ConfiguredPins(options)}).";
        }
        return PinModes.IsInput(configured.Mode)
            ? $"{setting} '{pin}' is an input (Gpio:Pins:{pin}:Mode {configured.Mode}); {user} needs an output pin."
            : null;
    }

    /// <summary>Why <paramref name="pin"/> cannot trigger (not configured, or an output), or null.</summary>
    public static string? InputPinProblem(GpioOptions options, string setting, string? pin)
    {
        if (string.IsNullOrWhiteSpace(pin))
        {
            return $"{setting} is missing: name an input pin of Gpio:Pins.";
        }
        if (!options.Pins.TryGetValue(pin, out var configured))
        {
            return $"{setting} '{pin}' is not a configured pin ({ConfiguredPins(options)}).";
        }
        return PinModes.IsInput(configured.Mode)
            ? null
            : $"{setting} '{pin}' is an output (Gpio:Pins:{pin}:Mode {configured.Mode}); a trigger needs an input pin.";
    }

    public static string ConfiguredPins(GpioOptions options) =>
        options.Pins.Count == 0 ? "Gpio:Pins is empty" : "Gpio:Pins has " + string.Join(", ", options.Pins.Keys.Order(StringComparer.OrdinalIgnoreCase));

    private static IEnumerable<string> ValidatePin(string key, GpioPinOptions pin)
    {
        if (!PinModes.All.Contains(pin.Mode, StringComparer.Ordinal))
        {
            yield return $"{key}:Mode '{pin.Mode}' is unknown; expected one of {string.Join(", ", PinModes.All)}.";
            yield break;
        }
        if (PinModes.IsInput(pin.Mode))
        {
            if (!PinEdges.All.Contains(pin.Edge, StringComparer.Ordinal))
            {
                yield return $"{key}:Edge '{pin.Edge}' is unknown; expected rising, falling or both.";
            }
            if (pin.Debounce < TimeSpan.Zero || pin.Debounce > MaxDebounce)
            {
                yield return $"{key}:Debounce {pin.Debounce} must be between 0 and {MaxDebounce}.";
            }
            if (pin.HoldOff < TimeSpan.Zero || pin.HoldOff > MaxHoldOff)
            {
                yield return $"{key}:HoldOff {pin.HoldOff} must be between 0 and {MaxHoldOff.ToString("c", CultureInfo.InvariantCulture)}.";
            }
        }
        else
        {
            if (!PinLevels.TryParse(pin.InitialValue, out _))
            {
                yield return $"{key}:InitialValue '{pin.InitialValue}' is not a pin value; expected 0 or 1 (low/high, off/on, false/true).";
            }
            if (pin.PulseLength < TimeSpan.FromMilliseconds(1) || pin.PulseLength > MaxPulse)
            {
                yield return $"{key}:PulseLength {pin.PulseLength} must be between 00:00:00.001 and {MaxPulse}.";
            }
        }
    }

    private static ValidationResult Error(string message, string member) => new(message, [member]);
}

[OptionsValidator]
internal sealed partial class GpioOptionsValidator : IValidateOptions<GpioOptions>;
