using EdgeAi.Hub.Deployments;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Hub.Tests.Deployments;

public sealed class HealthGateTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static GateDevice Active(string id) => new(id, TargetStates.Active, null);

    private static GateDevice Updating(string id, string? message = "downloading") => new(id, TargetStates.Updating, message);

    private static GateDevice Failed(string id, string message) => new(id, TargetStates.Failed, message);

    [Fact]
    public void Decide_EveryDeviceActive_Passes()
    {
        var result = HealthGate.Decide([Active("a"), Active("b")], 1.0, 0.05, null, TimeSpan.FromSeconds(3), Timeout);

        result.Verdict.ShouldBe(GateVerdict.Pass);
        result.Summary.ShouldContain("2 of 2 healthy");
    }

    [Fact]
    public void Decide_OneFailedWhenAllMustBeHealthy_FailsAtOnceNamingDeviceAndReason()
    {
        var result = HealthGate.Decide([Active("a"), Failed("b", "smoke test failed: NaN output"), Updating("c")], 1.0, 0.05, null, TimeSpan.FromSeconds(1), Timeout);

        result.Verdict.ShouldBe(GateVerdict.Fail);
        result.Summary.ShouldContain("b failed (smoke test failed: NaN output)");
    }

    [Fact]
    public void Decide_OneFailedButShareStillReachable_Waits()
    {
        var result = HealthGate.Decide([Active("a"), Failed("b", "x"), Updating("c"), Updating("d")], 0.5, 0.05, null, TimeSpan.FromSeconds(1), Timeout);

        result.Verdict.ShouldBe(GateVerdict.Wait);
    }

    [Fact]
    public void Decide_PartialShareMet_PassesWithoutWaitingForTheRest()
    {
        var result = HealthGate.Decide([Active("a"), Updating("b")], 0.5, 0.05, null, TimeSpan.FromSeconds(1), Timeout);

        result.Verdict.ShouldBe(GateVerdict.Pass);
    }

    [Fact]
    public void Decide_DeviceStillUpdating_WaitsUntilTimeoutThenFailsNamingIt()
    {
        var startedAt = Now;
        GateDevice[] devices = [Active("a"), Updating("slow", "downloading")];

        _time.Advance(Timeout - TimeSpan.FromSeconds(1));
        var before = HealthGate.Decide(devices, 1.0, 0.05, null, HealthGate.Elapsed(0, startedAt, Now), Timeout);
        _time.Advance(TimeSpan.FromSeconds(1));
        var after = HealthGate.Decide(devices, 1.0, 0.05, null, HealthGate.Elapsed(0, startedAt, Now), Timeout);

        before.Verdict.ShouldBe(GateVerdict.Wait);
        after.Verdict.ShouldBe(GateVerdict.Fail);
        after.Summary.ShouldContain("timed out after 00:05:00");
        after.Summary.ShouldContain("slow updating (downloading)");
        after.Summary.ShouldNotContain("a active");
    }

    [Fact]
    public void Decide_ErrorRateAboveMax_WaitsThenFailsAtTimeout()
    {
        GateDevice[] devices = [Active("a"), Active("b")];
        var errors = new ErrorCounts(Errors: 30, Requests: 100);

        var early = HealthGate.Decide(devices, 1.0, 0.05, errors, TimeSpan.FromMinutes(1), Timeout);
        var late = HealthGate.Decide(devices, 1.0, 0.05, errors, Timeout, Timeout);

        early.Verdict.ShouldBe(GateVerdict.Wait);
        late.Verdict.ShouldBe(GateVerdict.Fail);
        late.Summary.ShouldContain("error rate 30.0% (30 of 100 requests) is above 5.0%");
    }

    [Fact]
    public void Decide_ErrorRateWithinMax_Passes()
    {
        var result = HealthGate.Decide([Active("a")], 1.0, 0.05, new ErrorCounts(1, 100), TimeSpan.Zero, Timeout);

        result.Verdict.ShouldBe(GateVerdict.Pass);
        result.Summary.ShouldContain("error rate 1.0%");
    }

    [Fact]
    public void Decide_NoRequestsServed_ErrorRateIgnored()
    {
        new ErrorCounts(0, 0).Rate.ShouldBeNull();
        HealthGate.Decide([Active("a")], 1.0, 0.0, new ErrorCounts(0, 0), TimeSpan.Zero, Timeout).Verdict.ShouldBe(GateVerdict.Pass);
    }

    [Fact]
    public void Decide_EmptyWave_Passes() =>
        HealthGate.Decide([], 1.0, 0.05, null, TimeSpan.Zero, Timeout).Verdict.ShouldBe(GateVerdict.Pass);

    [Theory]
    [InlineData(3, 0.8, 3)]
    [InlineData(5, 1.0, 5)]
    [InlineData(1, 0.5, 1)]
    [InlineData(10, 0.5, 5)]
    [InlineData(10, 0.3, 3)]
    public void RequiredHealthy_Share_CeilAtLeastOne(int total, double share, int expected) =>
        HealthGate.RequiredHealthy(total, share).ShouldBe(expected);

    [Fact]
    public void Elapsed_PausedThenResumed_ClockStandsStillWhilePaused()
    {
        // Running for 30 s, then paused: what was spent moves into the accumulated part and the clock stops.
        long? startedAt = Now;
        _time.Advance(TimeSpan.FromSeconds(30));
        var spent = (long)HealthGate.Elapsed(0, startedAt, Now).TotalMilliseconds;
        startedAt = null;
        _time.Advance(TimeSpan.FromHours(1));
        var whilePaused = HealthGate.Elapsed(spent, startedAt, Now);
        startedAt = Now;
        _time.Advance(TimeSpan.FromSeconds(10));

        whilePaused.ShouldBe(TimeSpan.FromSeconds(30));
        HealthGate.Elapsed(spent, startedAt, Now).ShouldBe(TimeSpan.FromSeconds(40));
    }
}
