using EdgeAi.Agent.Gpio;
using EdgeAi.Common.Diagnostics;

namespace EdgeAi.Agent.Diagnostics;

/// <summary>The configured GPIO driver opened as the agent opens it (<see cref="GpioDrivers"/>), then closed.</summary>
internal sealed class GpioCheck(GpioOptions options) : IDiagnosticCheck
{
    public const string Id = "gpio";

    public Task<IReadOnlyList<CheckResult>> RunAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<CheckResult>>([Run()]);

    private CheckResult Run()
    {
        if (options.Driver == GpioDriverNames.None)
        {
            return CheckResult.Ok(Id, "not used (Gpio:Driver is none)");
        }
        var opened = GpioDrivers.Open(options);
        using var driver = opened.Driver;
        if (driver is null)
        {
            return CheckResult.Fail(Id, $"driver {options.Driver}: {opened.Problem}", "set Gpio:Driver (libgpiod, sysfs, simulated or none) and Gpio:Chip to what this machine has (ls /dev/gpiochip*)");
        }
        var pins = options.Pins.Count == 0 ? "no pins configured" : $"{options.Pins.Count} pins configured";
        return options.Driver == GpioDriverNames.Simulated
            ? CheckResult.Ok(Id, $"simulated ({options.PinCount} lines), {pins}")
            : CheckResult.Ok(Id, $"driver {options.Driver} opened{(options.Driver == GpioDriverNames.LibGpiod ? $" /dev/gpiochip{options.Chip}" : "")}, {pins}");
    }
}
