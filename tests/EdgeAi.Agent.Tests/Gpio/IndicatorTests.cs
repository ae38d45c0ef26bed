using EdgeAi.Agent.Gpio;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Agent.Tests.Gpio;

/// <summary>Indicator pins on the simulated chip, driven tick by tick on a fake clock.</summary>
public sealed class IndicatorTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeState _state = new();
    private readonly GpioService _gpio;
    private readonly long _started;

    public IndicatorTests()
    {
        var options = new GpioOptions { Driver = GpioDriverNames.Simulated, PinCount = 8 };
        options.Pins["hub"] = new GpioPinOptions { Number = 1, Mode = PinModes.Output };
        options.Pins["fired"] = new GpioPinOptions { Number = 2, Mode = PinModes.Output };
        options.Pins["fault"] = new GpioPinOptions { Number = 3, Mode = PinModes.Output, ActiveLow = true };
        options.Indicators["uplink"] = new IndicatorOptions { Pin = "hub", State = IndicatorStates.HubConnected, Pattern = IndicatorPatterns.Blink, Period = TimeSpan.FromSeconds(1) };
        options.Indicators["rule"] = new IndicatorOptions { Pin = "fired", State = IndicatorStates.RuleFired, Window = TimeSpan.FromSeconds(5) };
        options.Indicators["error"] = new IndicatorOptions { Pin = "fault", State = IndicatorStates.Error, Window = TimeSpan.FromSeconds(2) };
        _gpio = new GpioService(Options.Create(options), _time, NullLogger<GpioService>.Instance);
        _gpio.Open();
        Driver = new IndicatorDriver(_gpio, _state, IndicatorSpec.From(options, _gpio.Pins), NullLogger.Instance);
        _started = _time.GetTimestamp();
    }

    private IndicatorDriver Driver { get; }

    [Theory]
    [InlineData(0, true)]
    [InlineData(499, true)]
    [InlineData(500, false)]
    [InlineData(999, false)]
    [InlineData(1000, true)]
    public void ValueAt_Blink_OnForTheFirstHalfOfEachPeriod(int elapsedMs, bool expected) =>
        IndicatorPattern.ValueAt(true, blink: true, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(elapsedMs)).ShouldBe(expected);

    [Fact]
    public void ValueAt_StateDoesNotHold_OffWhateverThePattern()
    {
        IndicatorPattern.ValueAt(false, blink: false, TimeSpan.FromSeconds(1), TimeSpan.Zero).ShouldBeFalse();
        IndicatorPattern.ValueAt(false, blink: true, TimeSpan.FromSeconds(1), TimeSpan.Zero).ShouldBeFalse();
    }

    [Fact]
    public void Tick_HubConnectedBlink_PinFollowsThePhaseAndIsWrittenOnlyOnChanges()
    {
        _state.HubConnected = true;
        var levels = new List<bool>();
        for (var i = 0; i < 8; i++)
        {
            Tick();
            levels.Add(Level("hub"));
            _time.Advance(TimeSpan.FromMilliseconds(250));
        }

        levels.ShouldBe([true, true, false, false, true, true, false, false]);
        Writes("hub").ShouldBe(4);

        _state.HubConnected = false;
        Tick();
        Level("hub").ShouldBeFalse();
    }

    [Fact]
    public void Tick_RuleFired_OnForItsWindowAfterTheFire()
    {
        Tick();
        Level("fired").ShouldBeFalse();

        _state.Fired = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromSeconds(4.9));
        Tick();
        Level("fired").ShouldBeTrue();

        _time.Advance(TimeSpan.FromMilliseconds(100));
        Tick();
        Level("fired").ShouldBeFalse();
    }

    [Fact]
    public void Tick_ErrorOnActiveLowPin_DrivesTheLowLevelWhileTheErrorIsRecent()
    {
        Tick();
        _gpio.Simulated!.Level(3).ShouldBe(System.Device.Gpio.PinValue.High); // inactive = high on an active-low pin

        _state.LastError = _time.GetUtcNow();
        Tick();

        _gpio.Simulated.Level(3).ShouldBe(System.Device.Gpio.PinValue.Low);
        Level("fault").ShouldBeTrue();
    }

    [Fact]
    public void Write_PinOwnedByAnIndicator_RefusedNamingTheIndicator()
    {
        var error = Should.Throw<GpioException>(() => _gpio.Write("hub", true));

        error.Refusal.ShouldBe(GpioRefusal.Conflict);
        error.Message.ShouldContain("Gpio:Indicators:uplink");
    }

    public void Dispose() => _gpio.Dispose();

    private void Tick() => Driver.Tick(_time.GetElapsedTime(_started), _time.GetUtcNow());

    private bool Level(string pin) => _gpio.Read(pin).Value.ShouldNotBeNull();

    private long Writes(string pin) => _gpio.WriteCounts.Single(w => w.Pin == pin).Writes;

    private sealed class FakeState : IIndicatorState
    {
        public bool HubConnected { get; set; }

        public bool InferenceRunning { get; set; }

        public DateTimeOffset? Fired { get; set; }

        public DateTimeOffset? LastError { get; set; }

        public bool ModelReady(string model) => false;

        public DateTimeOffset? LastRuleFired(string? rule) => Fired;
    }
}
