using System.Device.Gpio;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Gpio;

/// <summary>An electrical level change as the driver reported it, stamped when it arrived (<see cref="TimeProvider.GetTimestamp"/>).</summary>
internal readonly record struct RawEdge(GpioPinSpec Pin, PinValue Level, long Timestamp);

/// <summary>
/// The agent's GPIO: one <see cref="GpioController"/> over the configured driver, every configured pin opened
/// at start, and reading, writing, pulsing and (simulated inputs) driving pins by name or number for the rest
/// of the agent. Input edges arrive on the driver's thread; they are stamped and written to a channel at once
/// (never blocking that thread) for the <see cref="GpioEdgePump"/>. When the driver cannot work on this machine,
/// GPIO is disabled with the reason (logged once, in <see cref="Status"/>, on /metrics and in the reported
/// state) and every pin operation is refused with it; inference is served regardless.
/// </summary>
internal sealed class GpioService : IHostedLifecycleService, IDisposable
{
    /// <summary>Edges waiting for the pump; beyond this the oldest are dropped and counted (a pin chattering faster than it can be read).</summary>
    private const int EdgeQueue = 4096;

    private readonly GpioOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<GpioService> _logger;
    private readonly Lock _gate = new();
    private readonly Channel<RawEdge> _edges;
    private readonly Dictionary<string, PinRuntime> _byName;
    private readonly Dictionary<int, PinRuntime> _byNumber;
    private GpioController? _controller;
    private long _edgesDropped;

    public GpioService(IOptions<GpioOptions> options, TimeProvider time, ILogger<GpioService> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        Pins = GpioPinSpec.From(_options);
        _byName = Pins.ToDictionary(p => p.Name, p => new PinRuntime(p), StringComparer.OrdinalIgnoreCase);
        _byNumber = _byName.Values.ToDictionary(p => p.Spec.Number);
        _edges = Channel.CreateBounded<RawEdge>(
            new BoundedChannelOptions(EdgeQueue) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _edgesDropped));
        Status = new GpioStatus(GpioStatus.Off, _options.Driver, "GPIO is not started", null);
    }

    public IReadOnlyList<GpioPinSpec> Pins { get; }

    public GpioStatus Status { get; private set; }

    /// <summary>The simulated chip, when that is the driver (tests and the benchmark drive and watch it).</summary>
    public SimulatedGpioDriver? Simulated { get; private set; }

    /// <summary>Edges as the driver reported them, for the edge pump.</summary>
    public ChannelReader<RawEdge> Edges => _edges.Reader;

    public long EdgesDropped => Interlocked.Read(ref _edgesDropped);

    /// <summary>Writes per pin since start (indicators and pulses included), by pin name.</summary>
    public IReadOnlyList<(string Pin, long Writes)> WriteCounts => [.. _byName.Values.Select(p => (p.Spec.Name, Interlocked.Read(ref p.Writes)))];

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        Open();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Opens the driver and every pin. A pin the chip does not have, or a mode it does not support, stops the
    /// agent naming the setting; a driver that cannot work here disables GPIO with the reason.
    /// </summary>
    internal void Open()
    {
        if (_options.Driver == GpioDriverNames.None)
        {
            Status = new GpioStatus(GpioStatus.Off, _options.Driver, "Gpio:Driver is none", null);
            GpioLog.Off(_logger);
            return;
        }
        var opened = GpioDrivers.Open(_options);
        if (opened.Driver is null)
        {
            Disable(opened.Problem!);
            return;
        }
        var controller = new GpioController(opened.Driver);
        try
        {
            foreach (var pin in Pins)
            {
                OpenPin(controller, pin);
            }
        }
        catch (GpioConfigurationException)
        {
            controller.Dispose();
            throw;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or ArgumentException)
        {
            controller.Dispose();
            Disable($"the pins cannot be opened on the {_options.Driver} driver: {e.Message}");
            return;
        }
        lock (_gate)
        {
            _controller = controller;
            Simulated = opened.Driver as SimulatedGpioDriver;
            Status = new GpioStatus(GpioStatus.Enabled, _options.Driver, null, controller.PinCount);
        }
        GpioLog.Enabled(_logger, _options.Driver, controller.PinCount, Pins.Count);
    }

    private void OpenPin(GpioController controller, GpioPinSpec pin)
    {
        var setting = $"Gpio:Pins:{pin.Name}";
        if (pin.Number >= controller.PinCount)
        {
            throw new GpioConfigurationException(
                $"{setting}:Number {pin.Number} is not a pin of the chip: the {_options.Driver} chip has pins 0 to {controller.PinCount - 1}.");
        }
        if (!controller.IsPinModeSupported(pin.Number, pin.PinMode))
        {
            throw new GpioConfigurationException($"{setting}:Mode {pin.Mode}: pin {pin.Number} of the {_options.Driver} chip does not support it.");
        }
        if (pin.IsInput)
        {
            controller.OpenPin(pin.Number, pin.PinMode);
            // Both electrical edges, whatever the pin watches: debounce needs to see a bounce's return too.
            controller.RegisterCallbackForPinValueChangedEvent(pin.Number, PinEventTypes.Rising | PinEventTypes.Falling, OnPinChanged);
        }
        else
        {
            controller.OpenPin(pin.Number, PinMode.Output, pin.Physical(pin.InitialValue));
        }
    }

    /// <summary>On the driver's thread: stamp and queue, nothing else.</summary>
    private void OnPinChanged(object sender, PinValueChangedEventArgs args)
    {
        if (_byNumber.TryGetValue(args.PinNumber, out var pin))
        {
            var level = args.ChangeType == PinEventTypes.Rising ? PinValue.High : PinValue.Low;
            _edges.Writer.TryWrite(new RawEdge(pin.Spec, level, _time.GetTimestamp()));
        }
    }

    private void Disable(string reason)
    {
        Status = new GpioStatus(GpioStatus.Disabled, _options.Driver, reason, null);
        GpioLog.Disabled(_logger, _options.Driver, reason);
    }

    /// <summary>The pin by name, else by number; unknown pins are refused naming the configured ones.</summary>
    public GpioPinSpec Resolve(string pin) => Runtime(pin).Spec;

    /// <summary>The pin's logical value now (null while GPIO is not enabled).</summary>
    public GpioPinState Read(string pin)
    {
        var runtime = Runtime(pin);
        lock (_gate)
        {
            return new GpioPinState(runtime.Spec, _controller is { } controller ? runtime.Spec.Logical(controller.Read(runtime.Spec.Number)) : null);
        }
    }

    /// <summary>Every configured pin with its value.</summary>
    public IReadOnlyList<GpioPinState> ReadAll()
    {
        lock (_gate)
        {
            return [.. Pins.Select(p => new GpioPinState(p, _controller is { } controller ? p.Logical(controller.Read(p.Number)) : null))];
        }
    }

    /// <summary>Sets an output to a logical value; a pulse still running on it is over.</summary>
    public void Write(string pin, bool value)
    {
        var runtime = Writable(pin);
        lock (_gate)
        {
            runtime.PulseGeneration++;
            WriteLocked(runtime, value);
        }
    }

    /// <summary>Makes an output active for <paramref name="length"/> (default: the pin's PulseLength), then inactive; on a simulated input, drives it so, as a button press would.</summary>
    public TimeSpan Pulse(string pin, TimeSpan? length)
    {
        var runtime = Runtime(pin);
        var duration = length ?? runtime.Spec.PulseLength;
        if (runtime.Spec.IsInput)
        {
            Drive(pin, true);
            _ = EndAfterAsync(duration, () => Drive(pin, false), runtime.Spec);
            return duration;
        }
        Writable(pin);
        long generation;
        lock (_gate)
        {
            generation = ++runtime.PulseGeneration;
            WriteLocked(runtime, true);
        }
        _ = EndAfterAsync(duration, () =>
        {
            lock (_gate)
            {
                // A later write or pulse owns the pin now.
                if (runtime.PulseGeneration == generation && _controller is not null)
                {
                    WriteLocked(runtime, false);
                }
            }
        }, runtime.Spec);
        return duration;
    }

    /// <summary>Sets a simulated input's level as the world would (through the driver's event path); hardware inputs only the world drives.</summary>
    public void Drive(string pin, bool value)
    {
        var runtime = Runtime(pin);
        EnsureEnabled();
        if (!runtime.Spec.IsInput)
        {
            throw new GpioException(GpioRefusal.Conflict, $"pin {runtime.Spec.Describe()} is an output: write it instead of driving it");
        }
        if (Simulated is not { } simulated)
        {
            throw new GpioException(GpioRefusal.Conflict,
                $"pin {runtime.Spec.Describe()} is a hardware input on the {_options.Driver} driver: only the world drives it (simulated inputs can be driven, with Gpio:Driver simulated)");
        }
        simulated.Drive(runtime.Spec.Number, runtime.Spec.Physical(value));
    }

    /// <summary>For the indicator loop only: writes the pin an indicator owns.</summary>
    internal void WriteIndicator(GpioPinSpec pin, bool value)
    {
        lock (_gate)
        {
            if (_controller is not null)
            {
                WriteLocked(_byName[pin.Name], value);
            }
        }
    }

    private void WriteLocked(PinRuntime runtime, bool value)
    {
        _controller!.Write(runtime.Spec.Number, runtime.Spec.Physical(value));
        Interlocked.Increment(ref runtime.Writes);
    }

    private async Task EndAfterAsync(TimeSpan duration, Action end, GpioPinSpec pin)
    {
        try
        {
            await Task.Delay(duration, _time).ConfigureAwait(false);
            end();
        }
        catch (Exception e) when (e is GpioException or InvalidOperationException or IOException or ObjectDisposedException)
        {
            GpioLog.PulseEndFailed(_logger, pin.Name, pin.Number, e.Message);
        }
    }

    private PinRuntime Writable(string pin)
    {
        var runtime = Runtime(pin);
        EnsureEnabled();
        if (runtime.Spec.IsInput)
        {
            throw new GpioException(GpioRefusal.Conflict, Simulated is null
                ? $"pin {runtime.Spec.Describe()} is an input ({runtime.Spec.Mode}): it cannot be written, and only the world drives a hardware input"
                : $"pin {runtime.Spec.Describe()} is an input ({runtime.Spec.Mode}): it cannot be written (a simulated input is driven: PUT /gpio/{runtime.Spec.Name} drives it)");
        }
        if (runtime.Spec.Indicator is { } indicator)
        {
            throw new GpioException(GpioRefusal.Conflict, $"pin {runtime.Spec.Describe()} is driven by the indicator Gpio:Indicators:{indicator}; it cannot be written");
        }
        return runtime;
    }

    private void EnsureEnabled()
    {
        var status = Status;
        if (!status.IsEnabled)
        {
            throw new GpioException(GpioRefusal.Unavailable, status.State == GpioStatus.Off
                ? $"GPIO is off ({status.Reason}); set Gpio:Driver to libgpiod, sysfs or simulated"
                : $"GPIO is disabled: {status.Reason}");
        }
    }

    private PinRuntime Runtime(string pin)
    {
        ArgumentNullException.ThrowIfNull(pin);
        if (_byName.TryGetValue(pin, out var byName))
        {
            return byName;
        }
        if (int.TryParse(pin, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && _byNumber.TryGetValue(number, out var byNumber))
        {
            return byNumber;
        }
        throw new GpioException(GpioRefusal.UnknownPin, $"no pin '{pin}': {GpioValidation.ConfiguredPins(_options)}");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        GpioController? controller;
        lock (_gate)
        {
            controller = _controller;
            _controller = null;
        }
        _edges.Writer.TryComplete();
        // Closes the pins and disposes the driver (the simulated one's event thread with it).
        controller?.Dispose();
    }

    private sealed class PinRuntime(GpioPinSpec spec)
    {
        public GpioPinSpec Spec { get; } = spec;

        public long PulseGeneration;

        public long Writes;
    }
}

/// <summary>A GPIO setting the chip cannot honour (a pin it does not have): the agent refuses to start, naming it.</summary>
internal sealed class GpioConfigurationException : OptionsValidationException
{
    public GpioConfigurationException(string message)
        : base(GpioOptions.Section, typeof(GpioOptions), [message])
    {
    }
}
