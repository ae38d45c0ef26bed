namespace EdgeAi.Agent.Gpio;

/// <summary>GPIO log messages; event ids 3000-3099.</summary>
internal static partial class GpioLog
{
    [LoggerMessage(3000, LogLevel.Information, "GPIO enabled: {Driver} driver, chip of {PinCount} pins, {Configured} pins configured")]
    public static partial void Enabled(ILogger logger, string driver, int pinCount, int configured);

    [LoggerMessage(3001, LogLevel.Warning, "GPIO disabled ({Driver} driver): {Reason}. Inference is served; rules that need GPIO are off")]
    public static partial void Disabled(ILogger logger, string driver, string reason);

    [LoggerMessage(3002, LogLevel.Debug, "GPIO is off (Gpio:Driver is none)")]
    public static partial void Off(ILogger logger);

    [LoggerMessage(3003, LogLevel.Error, "A subscriber of pin {Pin} failed on an edge")]
    public static partial void EdgeHandlerFailed(ILogger logger, Exception exception, string pin);

    [LoggerMessage(3004, LogLevel.Warning, "The end of a pulse on pin {Pin} ({Number}) could not be written: {Reason}")]
    public static partial void PulseEndFailed(ILogger logger, string pin, int number, string reason);

    [LoggerMessage(3005, LogLevel.Warning, "Indicator {Indicator} could not write pin {Pin}: {Reason}")]
    public static partial void IndicatorWriteFailed(ILogger logger, string indicator, string pin, string reason);
}
