using System.Collections.Concurrent;
using System.Device.Gpio;

namespace EdgeAi.Agent.Gpio;

/// <summary>
/// A GPIO chip in software, for trying rules without hardware and for tests: a <see cref="GpioDriver"/>
/// (System.Device.Gpio ships no simulator), so the real <see cref="GpioController"/> runs over it exactly
/// as over libgpiod. The world changes an input with <see cref="Drive"/>; like a hardware driver, the
/// driver then calls the registered callbacks on its own event thread, never on the caller's, so what
/// holds that thread up shows as it would on a device. Outputs keep what was written and report it
/// through <see cref="Written"/>.
/// </summary>
internal sealed class SimulatedGpioDriver : GpioDriver
{
    private readonly Lock _gate = new();
    private readonly Line[] _lines;
    private readonly BlockingCollection<(PinChangeEventHandler Callback, PinValueChangedEventArgs Args)> _interrupts = [];
    private readonly Thread _eventThread;

    public SimulatedGpioDriver(int pinCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pinCount, 1);
        _lines = [.. Enumerable.Range(0, pinCount).Select(_ => new Line())];
        _eventThread = new Thread(DispatchInterrupts) { IsBackground = true, Name = "gpio-simulated-events" };
        _eventThread.Start();
    }

    /// <summary>An output was written (pin, physical value), on the writer's thread.</summary>
    public event Action<int, PinValue>? Written;

    protected override int PinCount => _lines.Length;

    /// <summary>
    /// Sets an input's electrical level as the world would (a sensor, a button). An edge (a level that
    /// differs from the current one) is delivered to the callbacks registered for it on the driver's event
    /// thread. Throws for a pin that is not open as an input.
    /// </summary>
    public void Drive(int pinNumber, PinValue level)
    {
        lock (_gate)
        {
            var line = LineOf(pinNumber);
            if (!line.Open || line.Mode == PinMode.Output)
            {
                throw new InvalidOperationException($"simulated pin {pinNumber} is not open as an input; only inputs can be driven");
            }
            if (line.Level == level)
            {
                return;
            }
            line.Level = level;
            var type = level == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
            foreach (var (types, callback) in line.Callbacks)
            {
                if ((types & type) != 0)
                {
                    _interrupts.Add((callback, new PinValueChangedEventArgs(type, pinNumber)));
                }
            }
        }
    }

    /// <summary>A line's electrical level now, whatever its mode (for tests that watch outputs).</summary>
    public PinValue Level(int pinNumber)
    {
        lock (_gate)
        {
            return LineOf(pinNumber).Level;
        }
    }

    protected override void OpenPin(int pinNumber)
    {
        lock (_gate)
        {
            LineOf(pinNumber).Open = true;
        }
    }

    protected override void ClosePin(int pinNumber)
    {
        lock (_gate)
        {
            var line = LineOf(pinNumber);
            line.Open = false;
            line.Callbacks.Clear();
        }
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        lock (_gate)
        {
            var line = LineOf(pinNumber);
            line.Mode = mode;
            // A floating simulated input rests where its pull resistor puts it.
            line.Level = mode switch
            {
                PinMode.InputPullUp => PinValue.High,
                PinMode.InputPullDown => PinValue.Low,
                _ => line.Level,
            };
        }
    }

    protected override PinMode GetPinMode(int pinNumber)
    {
        lock (_gate)
        {
            return LineOf(pinNumber).Mode;
        }
    }

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) =>
        mode is PinMode.Input or PinMode.InputPullUp or PinMode.InputPullDown or PinMode.Output;

    protected override PinValue Read(int pinNumber) => Level(pinNumber);

    protected override void Write(int pinNumber, PinValue value)
    {
        lock (_gate)
        {
            var line = LineOf(pinNumber);
            if (line.Mode != PinMode.Output)
            {
                throw new InvalidOperationException($"simulated pin {pinNumber} is an input; it cannot be written");
            }
            line.Level = value;
        }
        Written?.Invoke(pinNumber, value);
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        using var arrived = new ManualResetEventSlim();
        var type = PinEventTypes.None;
        void OnEdge(object sender, PinValueChangedEventArgs args)
        {
            type = args.ChangeType;
            arrived.Set();
        }
        AddCallbackForPinValueChangedEvent(pinNumber, eventTypes, OnEdge);
        try
        {
            arrived.Wait(cancellationToken);
            return new WaitForEventResult { EventTypes = type, TimedOut = false };
        }
        catch (OperationCanceledException)
        {
            return new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true };
        }
        finally
        {
            RemoveCallbackForPinValueChangedEvent(pinNumber, OnEdge);
        }
    }

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        lock (_gate)
        {
            LineOf(pinNumber).Callbacks.Add((eventTypes, callback));
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_gate)
        {
            LineOf(pinNumber).Callbacks.RemoveAll(c => c.Callback == callback);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _interrupts.CompleteAdding();
            if (Thread.CurrentThread != _eventThread)
            {
                _eventThread.Join();
            }
            _interrupts.Dispose();
        }
        base.Dispose(disposing);
    }

    private void DispatchInterrupts()
    {
        foreach (var (callback, args) in _interrupts.GetConsumingEnumerable())
        {
            callback(this, args);
        }
    }

    private Line LineOf(int pinNumber) =>
        pinNumber >= 0 && pinNumber < _lines.Length
            ? _lines[pinNumber]
            : throw new ArgumentOutOfRangeException(nameof(pinNumber), pinNumber, $"the simulated chip has pins 0 to {_lines.Length - 1}");

    private sealed class Line
    {
        public bool Open { get; set; }

        public PinMode Mode { get; set; } = PinMode.Input;

        public PinValue Level { get; set; } = PinValue.Low;

        public List<(PinEventTypes Types, PinChangeEventHandler Callback)> Callbacks { get; } = [];
    }
}
