using System.Device.Gpio;

namespace EdgeAi.Agent.Gpio;

/// <summary>A configured pin, parsed (the options were validated before this is made).</summary>
internal sealed record GpioPinSpec(
    string Name,
    int Number,
    string Mode,
    string Edge,
    TimeSpan Debounce,
    TimeSpan HoldOff,
    bool InitialValue,
    bool ActiveLow,
    TimeSpan PulseLength,
    string? Indicator)
{
    public bool IsInput => PinModes.IsInput(Mode);

    public PinMode PinMode => Mode switch
    {
        PinModes.InputPullUp => PinMode.InputPullUp,
        PinModes.InputPullDown => PinMode.InputPullDown,
        PinModes.Output => PinMode.Output,
        _ => PinMode.Input,
    };

    /// <summary>The electrical level that means <paramref name="logical"/> on this pin.</summary>
    public PinValue Physical(bool logical) => logical != ActiveLow ? PinValue.High : PinValue.Low;

    /// <summary>The logical value an electrical level means on this pin.</summary>
    public bool Logical(PinValue physical) => (physical == PinValue.High) != ActiveLow;

    public string Describe() => $"'{Name}' (pin {Number})";

    public static IReadOnlyList<GpioPinSpec> From(GpioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var indicators = options.Indicators
            .Where(i => i.Value.Pin is not null)
            .GroupBy(i => i.Value.Pin!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First().Key, StringComparer.OrdinalIgnoreCase);
        return [.. options.Pins
            .OrderBy(p => p.Value.Number)
            .Select(p => new GpioPinSpec(
                p.Key,
                p.Value.Number ?? 0,
                p.Value.Mode,
                p.Value.Edge,
                p.Value.Debounce,
                p.Value.HoldOff,
                PinLevels.TryParse(p.Value.InitialValue, out var initial) && initial,
                p.Value.ActiveLow,
                p.Value.PulseLength,
                indicators.GetValueOrDefault(p.Key)))];
    }
}

/// <summary>Whether GPIO works on this device, and why not.</summary>
internal sealed record GpioStatus(string State, string Driver, string? Reason, int? PinCount)
{
    public const string Enabled = "enabled";
    public const string Disabled = "disabled";
    public const string Off = "off";

    public bool IsEnabled => State == Enabled;
}

/// <summary>A pin's state as the REST routes and the CLI show it; <c>Value</c> is logical (1 = active), null when GPIO is not enabled.</summary>
internal sealed record GpioPinState(GpioPinSpec Pin, bool? Value);

/// <summary>Why a pin operation was refused: the REST routes answer each kind with its status code.</summary>
internal enum GpioRefusal
{
    UnknownPin,
    Invalid,
    Conflict,
    Unavailable,
}

internal sealed class GpioException : Exception
{
    public GpioException(GpioRefusal refusal, string message)
        : base(message) => Refusal = refusal;

    public GpioException()
        : this(GpioRefusal.Invalid, "GPIO operation refused")
    {
    }

    public GpioException(string message)
        : this(GpioRefusal.Invalid, message)
    {
    }

    public GpioException(string message, Exception innerException)
        : base(message, innerException) => Refusal = GpioRefusal.Unavailable;

    public GpioRefusal Refusal { get; }
}
