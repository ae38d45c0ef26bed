using System.Collections.Concurrent;
using System.Device.Gpio;
using EdgeAi.Serving.Hosting;

namespace EdgeAi.Agent.Gpio;

/// <summary>An accepted input edge: the pin, its new logical value, and when that value began (a <see cref="TimeProvider"/> timestamp).</summary>
internal sealed record GpioEdge(GpioPinSpec Pin, bool Value, long Timestamp);

/// <summary>
/// Turns the driver's raw edges into triggers: each input's <see cref="InputFilter"/> (debounce, hold-off,
/// the edge it watches) on the agent's <see cref="TimeProvider"/>, then every subscriber of the pin. One loop
/// under the <see cref="LoopSupervisor"/>; subscribers are called on it and must hand work off at once.
/// </summary>
internal sealed class GpioEdgePump(GpioService gpio, TimeProvider time, LoopSupervisor supervisor, ILogger<GpioEdgePump> logger) : BackgroundService
{
    private readonly long _epoch = time.GetTimestamp();
    private readonly ConcurrentDictionary<string, Subscribers> _subscribers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, PinCounts> _counts = new(StringComparer.OrdinalIgnoreCase);
    private Dictionary<string, InputFilter>? _filters;

    /// <summary>Calls <paramref name="handler"/> for every edge the pin's filter accepts, until the subscription is disposed.</summary>
    public IDisposable Subscribe(string pin, Action<GpioEdge> handler)
    {
        var subscribers = _subscribers.GetOrAdd(gpio.Resolve(pin).Name, _ => new Subscribers());
        return subscribers.Add(handler);
    }

    /// <summary>Per input since start: edges that triggered, bounces, edges held off.</summary>
    public IReadOnlyList<(string Pin, long Triggered, long Bounced, long HeldOff)> Counts =>
        [.. _counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => (c.Key, c.Value.Triggered, c.Value.Bounced, c.Value.HeldOff))];

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        gpio.Status.IsEnabled && gpio.Pins.Any(p => p.IsInput) ? supervisor.RunAsync("gpio-edges", RunAsync, stoppingToken) : Task.CompletedTask;

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        _filters ??= gpio.Pins.Where(p => p.IsInput).ToDictionary(
            p => p.Name, p => new InputFilter(p.Edge, p.Debounce, p.HoldOff, gpio.Read(p.Name).Value ?? false), StringComparer.OrdinalIgnoreCase);
        var reader = gpio.Edges;
        while (!stoppingToken.IsCancellationRequested)
        {
            while (reader.TryRead(out var raw))
            {
                var filter = _filters[raw.Pin.Name];
                Deliver(raw.Pin, filter.Observe(raw.Pin.Logical(raw.Level), Since(raw.Timestamp)));
            }
            PollDue();
            var due = _filters.Values.Select(f => f.Due).Where(d => d is not null).Min();
            if (due is null)
            {
                if (!await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
                {
                    return; // GPIO closed
                }
                continue;
            }
            var wait = due.Value - Since(time.GetTimestamp());
            if (wait > TimeSpan.Zero)
            {
                using var woken = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var edge = reader.WaitToReadAsync(woken.Token).AsTask();
                await Task.WhenAny(edge, Task.Delay(wait, time, woken.Token)).ConfigureAwait(false);
                await woken.CancelAsync().ConfigureAwait(false);
                stoppingToken.ThrowIfCancellationRequested();
            }
        }
    }

    private void PollDue()
    {
        var now = Since(time.GetTimestamp());
        foreach (var pin in gpio.Pins.Where(p => p.IsInput))
        {
            Deliver(pin, _filters![pin.Name].Poll(now));
        }
    }

    private void Deliver(GpioPinSpec pin, InputChange change)
    {
        var counts = _counts.GetOrAdd(pin.Name, _ => new PinCounts());
        switch (change.Verdict)
        {
            case InputVerdict.Bounced:
                Interlocked.Increment(ref counts.Bounced);
                return;
            case InputVerdict.HeldOff:
                Interlocked.Increment(ref counts.HeldOff);
                return;
            case InputVerdict.Triggered:
                Interlocked.Increment(ref counts.Triggered);
                break;
            default:
                return;
        }
        if (!_subscribers.TryGetValue(pin.Name, out var subscribers))
        {
            return;
        }
        var edge = new GpioEdge(pin, change.Level, _epoch + (long)(change.Since.TotalSeconds * time.TimestampFrequency));
        foreach (var handler in subscribers.Snapshot)
        {
            try
            {
                handler(edge);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // One subscriber's fault must not keep the edge from the others, nor stop the pump.
                GpioLog.EdgeHandlerFailed(logger, e, pin.Name);
            }
        }
    }

    private TimeSpan Since(long timestamp) => time.GetElapsedTime(_epoch, timestamp);

    private sealed class PinCounts
    {
        public long Triggered;
        public long Bounced;
        public long HeldOff;
    }

    /// <summary>Copy-on-write, so the pump reads a snapshot without locks while rules subscribe and unsubscribe.</summary>
    private sealed class Subscribers
    {
        private readonly Lock _gate = new();
        private Action<GpioEdge>[] _handlers = [];

        public Action<GpioEdge>[] Snapshot => Volatile.Read(ref _handlers);

        public Subscription Add(Action<GpioEdge> handler)
        {
            lock (_gate)
            {
                _handlers = [.. _handlers, handler];
            }
            return new Subscription(() =>
            {
                lock (_gate)
                {
                    _handlers = [.. _handlers.Where(h => h != handler)];
                }
            });
        }
    }

    private sealed class Subscription(Action remove) : IDisposable
    {
        private Action? _remove = remove;

        public void Dispose() => Interlocked.Exchange(ref _remove, null)?.Invoke();
    }
}
