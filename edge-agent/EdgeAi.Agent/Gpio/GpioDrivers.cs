using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Runtime.InteropServices;

namespace EdgeAi.Agent.Gpio;

/// <summary>A driver that could be opened, or the reason none could.</summary>
internal sealed record OpenedDriver(GpioDriver? Driver, string? Problem);

/// <summary>
/// Opens the configured driver explicitly (GpioController's own guess is not used). A driver that cannot
/// work here — no chip, no sysfs, libgpiod not loadable — is not an error of the configuration but of the
/// machine: the caller disables GPIO with the reason, and the agent goes on serving.
/// </summary>
internal static class GpioDrivers
{
    public static OpenedDriver Open(GpioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Driver switch
        {
            GpioDriverNames.Simulated => new(new SimulatedGpioDriver(options.PinCount), null),
            GpioDriverNames.LibGpiod => OpenLibGpiod(options.Chip),
            GpioDriverNames.SysFs => OpenSysFs(),
            _ => new(null, "Gpio:Driver is none"),
        };
    }

    private static OpenedDriver OpenLibGpiod(int chip)
    {
        var device = $"/dev/gpiochip{chip}";
        if (!OperatingSystem.IsLinux())
        {
            return new(null, "libgpiod needs Linux");
        }
        if (!File.Exists(device))
        {
            var chips = Directory.Exists("/dev") ? Directory.GetFiles("/dev", "gpiochip*").Order(StringComparer.Ordinal).ToList() : [];
            return new(null, chips.Count == 0
                ? $"no GPIO chip on this machine: {device} does not exist (no /dev/gpiochip*)"
                : $"{device} does not exist (Gpio:Chip {chip}); this machine has {string.Join(", ", chips)}");
        }
        try
        {
            return new(new LibGpiodDriver(chip), null);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or BadImageFormatException)
        {
            return new(null, $"libgpiod cannot be loaded (Debian 12: apt-get install libgpiod2): {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException or ExternalException)
        {
            return new(null, $"{device} cannot be opened with libgpiod: {e.Message}");
        }
    }

    private static OpenedDriver OpenSysFs()
    {
        const string root = "/sys/class/gpio";
        if (!OperatingSystem.IsLinux() || !File.Exists(Path.Combine(root, "export")))
        {
            return new(null, $"no sysfs GPIO on this machine: {root}/export does not exist (the kernel was built without CONFIG_GPIO_SYSFS; use libgpiod)");
        }
        try
        {
            return new(new SysFsDriver(), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            return new(null, $"sysfs GPIO cannot be used: {e.Message}");
        }
    }
}
