using EdgeAi.Hub.Leadership;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Hub.Tests.Leadership;

/// <summary>The holder's side of the lease: when to renew, when a holding stops being safe, when a renewal comes too late.</summary>
public sealed class LeaseClockTests
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Granted_RenewsEveryThirdAndHoldsUntilMargin()
    {
        var clock = new LeaseClock(_time, Duration);
        clock.Holds.ShouldBeFalse();

        clock.Granted(3, clock.Asking());

        clock.Epoch.ShouldBe(3);
        clock.UntilRenewal.ShouldBe(TimeSpan.FromSeconds(5));
        clock.Remaining.ShouldBe(Duration - clock.Margin);
        _time.Advance(TimeSpan.FromSeconds(5));
        clock.UntilRenewal.ShouldBe(TimeSpan.Zero);
        clock.Holds.ShouldBeTrue();
        _time.Advance(Duration - clock.Margin - TimeSpan.FromSeconds(5));
        clock.Holds.ShouldBeFalse("a holding is not trusted once only the margin is left");
    }

    [Fact]
    public void Renewed_Granted_CountsFromWhenItWasAsked()
    {
        var clock = new LeaseClock(_time, Duration);
        clock.Granted(1, clock.Asking());
        _time.Advance(TimeSpan.FromSeconds(5));
        var asked = clock.Asking();
        // The answer takes two seconds: the store's clock started the new holding no earlier than the question.
        _time.Advance(TimeSpan.FromSeconds(2));

        clock.Renewed(true, asked).ShouldBeTrue();

        clock.Remaining.ShouldBe(Duration - clock.Margin - TimeSpan.FromSeconds(2));
        clock.UntilRenewal.ShouldBe(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void Renewed_Refused_LosesTheHolding()
    {
        var clock = new LeaseClock(_time, Duration);
        clock.Granted(1, clock.Asking());
        _time.Advance(TimeSpan.FromSeconds(5));

        clock.Renewed(false, clock.Asking()).ShouldBeFalse();

        clock.Epoch.ShouldBeNull();
        clock.Holds.ShouldBeFalse();
        clock.Remaining.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void Renewed_GrantedAfterHoldingWentUnsafe_LosesTheHolding()
    {
        var clock = new LeaseClock(_time, Duration);
        clock.Granted(1, clock.Asking());
        _time.Advance(TimeSpan.FromSeconds(5));
        var asked = clock.Asking();
        // A paused process: the grant arrives after its old holding stopped being safe, when another replica may already act.
        _time.Advance(TimeSpan.FromSeconds(9));

        clock.Renewed(true, asked).ShouldBeFalse();

        clock.Epoch.ShouldBeNull();
    }

    [Fact]
    public void Margin_IsATenthOfTheDuration()
    {
        var clock = new LeaseClock(_time, TimeSpan.FromSeconds(3));

        clock.Margin.ShouldBe(TimeSpan.FromMilliseconds(300));
        clock.RenewEvery.ShouldBe(TimeSpan.FromSeconds(1));
    }
}
