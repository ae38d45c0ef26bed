using EdgeAi.Agent.Gpio;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Agent.Tests.Gpio;

/// <summary>Debounce and hold-off of one input, on times read from a fake clock.</summary>
public sealed class InputFilterTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly long _epoch;

    public InputFilterTests() => _epoch = _time.GetTimestamp();

    [Fact]
    public void Observe_BounceShorterThanDebounce_CountedAsBounceNeverTriggers()
    {
        var filter = new InputFilter(PinEdges.Rising, TimeSpan.FromMilliseconds(20), TimeSpan.Zero, initialLevel: false);

        filter.Observe(true, Now()).Verdict.ShouldBe(InputVerdict.None);
        filter.Due.ShouldBe(Now() + TimeSpan.FromMilliseconds(20));
        _time.Advance(TimeSpan.FromMilliseconds(5));
        var bounce = filter.Observe(false, Now());
        _time.Advance(TimeSpan.FromMilliseconds(50));

        bounce.Verdict.ShouldBe(InputVerdict.Bounced);
        filter.Poll(Now()).Verdict.ShouldBe(InputVerdict.None);
        filter.Due.ShouldBeNull();
        filter.Level.ShouldBeFalse();
    }

    [Fact]
    public void Poll_LevelHeldForTheDebounce_TriggersFromWhenTheLevelBegan()
    {
        var filter = new InputFilter(PinEdges.Rising, TimeSpan.FromMilliseconds(20), TimeSpan.Zero, initialLevel: false);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        var began = Now();

        filter.Observe(true, began);
        _time.Advance(TimeSpan.FromMilliseconds(19));
        filter.Poll(Now()).Verdict.ShouldBe(InputVerdict.None);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var settled = filter.Poll(Now());

        settled.Verdict.ShouldBe(InputVerdict.Triggered);
        settled.Level.ShouldBeTrue();
        settled.Since.ShouldBe(began);
        filter.Level.ShouldBeTrue();
    }

    [Fact]
    public void Observe_EdgesInsideHoldOff_HeldOffUntilTheIntervalHasPassed()
    {
        var filter = new InputFilter(PinEdges.Rising, TimeSpan.Zero, TimeSpan.FromMilliseconds(100), initialLevel: false);
        var verdicts = new List<InputVerdict>();

        verdicts.Add(filter.Observe(true, Now()).Verdict);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        verdicts.Add(filter.Observe(false, Now()).Verdict);
        _time.Advance(TimeSpan.FromMilliseconds(40));
        verdicts.Add(filter.Observe(true, Now()).Verdict);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        verdicts.Add(filter.Observe(false, Now()).Verdict);
        _time.Advance(TimeSpan.FromMilliseconds(40));
        verdicts.Add(filter.Observe(true, Now()).Verdict); // 100 ms after the first trigger

        verdicts.ShouldBe([InputVerdict.Triggered, InputVerdict.OtherEdge, InputVerdict.HeldOff, InputVerdict.OtherEdge, InputVerdict.Triggered]);
    }

    [Theory]
    [InlineData(PinEdges.Rising, true, nameof(InputVerdict.Triggered))]
    [InlineData(PinEdges.Rising, false, nameof(InputVerdict.OtherEdge))]
    [InlineData(PinEdges.Falling, false, nameof(InputVerdict.Triggered))]
    [InlineData(PinEdges.Falling, true, nameof(InputVerdict.OtherEdge))]
    [InlineData(PinEdges.Both, true, nameof(InputVerdict.Triggered))]
    [InlineData(PinEdges.Both, false, nameof(InputVerdict.Triggered))]
    public void Observe_Edge_TriggersOnlyOnTheWatchedEdge(string edge, bool to, string expected)
    {
        var filter = new InputFilter(edge, TimeSpan.Zero, TimeSpan.Zero, initialLevel: !to);

        filter.Observe(to, Now()).Verdict.ToString().ShouldBe(expected);
    }

    [Fact]
    public void Observe_RepeatedLevel_IsNoEdge()
    {
        var filter = new InputFilter(PinEdges.Both, TimeSpan.Zero, TimeSpan.Zero, initialLevel: true);

        filter.Observe(true, Now()).Verdict.ShouldBe(InputVerdict.None);
    }

    private TimeSpan Now() => _time.GetElapsedTime(_epoch);
}
