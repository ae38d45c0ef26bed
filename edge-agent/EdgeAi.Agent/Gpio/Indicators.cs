using EdgeAi.Serving.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Gpio;

/// <summary>The agent states indicators can show, read at every indicator tick.</summary>
internal interface IIndicatorState
{
    bool HubConnected { get; }

    bool ModelReady(string model);

    bool InferenceRunning { get; }

    /// <summary>When <paramref name="rule"/> (any rule for null) last fired, if it has.</summary>
    DateTimeOffset? LastRuleFired(string? rule);

    /// <summary>When the agent last saw an error (a rule or background-loop failure), if it has; a model that failed to load counts as now.</summary>
    DateTimeOffset? LastError { get; }
}

/// <summary>One configured indicator, parsed.</summary>
internal sealed record IndicatorSpec(string Name, GpioPinSpec Pin, string State, string? Model, string? Rule, TimeSpan Window, bool Blink, TimeSpan Period)
{
    public static IReadOnlyList<IndicatorSpec> From(GpioOptions options, IReadOnlyList<GpioPinSpec> pins) =>
        [.. options.Indicators.Select(i => new IndicatorSpec(
            i.Key,
            pins.Single(p => string.Equals(p.Name, i.Value.Pin, StringComparison.OrdinalIgnoreCase)),
            i.Value.State!,
            i.Value.Model,
            i.Value.Rule,
            i.Value.Window,
            i.Value.Pattern == IndicatorPatterns.Blink,
            i.Value.Period))];
}

/// <summary>Steady or blinking: what an indicator's pin shows at a moment.</summary>
internal static class IndicatorPattern
{
    /// <summary>Off while the state does not hold; on while it does (steady), or on for the first half of each period (blink).</summary>
    public static bool ValueAt(bool active, bool blink, TimeSpan period, TimeSpan elapsed) =>
        active && (!blink || elapsed.Ticks % period.Ticks < period.Ticks / 2);
}

/// <summary>
/// Brings every indicator's pin up to date for one moment; written only when its value changes. The loop calls
/// <see cref="Tick"/> on its timer; tests call it with a fake clock's times.
/// </summary>
internal sealed class IndicatorDriver(GpioService gpio, IIndicatorState state, IReadOnlyList<IndicatorSpec> indicators, ILogger logger)
{
    private readonly Dictionary<string, bool> _shown = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<IndicatorSpec> Indicators => indicators;

    /// <param name="elapsed">Time since the loop began (the blink phase).</param>
    /// <param name="now">The clock's time, for the last-fire and error windows.</param>
    public void Tick(TimeSpan elapsed, DateTimeOffset now)
    {
        foreach (var indicator in indicators)
        {
            var value = IndicatorPattern.ValueAt(IsActive(indicator, now), indicator.Blink, indicator.Period, elapsed);
            if (_shown.TryGetValue(indicator.Name, out var shown) && shown == value)
            {
                continue;
            }
            try
            {
                gpio.WriteIndicator(indicator.Pin, value);
                _shown[indicator.Name] = value;
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                GpioLog.IndicatorWriteFailed(logger, indicator.Name, indicator.Pin.Name, e.Message);
            }
        }
    }

    /// <summary>Every indicator off (the agent is stopping).</summary>
    public void Clear()
    {
        foreach (var indicator in indicators)
        {
            gpio.WriteIndicator(indicator.Pin, false);
            _shown[indicator.Name] = false;
        }
    }

    private bool IsActive(IndicatorSpec indicator, DateTimeOffset now) => indicator.State switch
    {
        IndicatorStates.HubConnected => state.HubConnected,
        IndicatorStates.ModelReady => state.ModelReady(indicator.Model!),
        IndicatorStates.InferenceRunning => state.InferenceRunning,
        IndicatorStates.RuleFired => state.LastRuleFired(indicator.Rule) is { } fired && now - fired < indicator.Window,
        IndicatorStates.Error => state.LastError is { } error && now - error < indicator.Window,
        _ => false,
    };
}

/// <summary>The one loop that drives indicator pins, every Gpio:IndicatorInterval on the agent's clock, under the <see cref="LoopSupervisor"/>.</summary>
internal sealed class IndicatorLoop(
    GpioService gpio, IIndicatorState state, IOptions<GpioOptions> options, TimeProvider time, LoopSupervisor supervisor, ILogger<IndicatorLoop> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        gpio.Status.IsEnabled && options.Value.Indicators.Count > 0 ? supervisor.RunAsync("gpio-indicators", RunAsync, stoppingToken) : Task.CompletedTask;

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var driver = new IndicatorDriver(gpio, state, IndicatorSpec.From(options.Value, gpio.Pins), logger);
        var started = time.GetTimestamp();
        using var timer = new PeriodicTimer(options.Value.IndicatorInterval, time);
        try
        {
            do
            {
                driver.Tick(time.GetElapsedTime(started), time.GetUtcNow());
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            driver.Clear();
        }
    }
}
