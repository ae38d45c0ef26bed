using EdgeAi.Hub.Deployments;

namespace EdgeAi.Hub.Tests.Deployments;

public sealed class WavePlanTests
{
    [Theory]
    [InlineData(3, new[] { 10, 50, 100 }, new[] { 1, 2, 3 })]
    [InlineData(10, new[] { 10, 50, 100 }, new[] { 1, 5, 10 })]
    [InlineData(1, new[] { 10, 50, 100 }, new[] { 1, 1, 1 })]
    [InlineData(7, new[] { 100 }, new[] { 7 })]
    [InlineData(0, new[] { 10, 100 }, new[] { 0, 0 })]
    [InlineData(1000, new[] { 1, 33, 100 }, new[] { 10, 330, 1000 })]
    public void CumulativeCounts_Percentages_CeilOfShare(int devices, int[] percents, int[] expected) =>
        WavePlan.CumulativeCounts(devices, percents).ShouldBe(expected);

    [Fact]
    public void Assign_ThreeDevicesTenFiftyHundred_OnePerWaveInIdOrder()
    {
        var plan = WavePlan.Assign(["dev-c", "dev-a", "dev-b"], [10, 50, 100]);

        plan.ShouldBe([("dev-a", 0), ("dev-b", 1), ("dev-c", 2)]);
    }

    [Fact]
    public void Assign_AnyInputOrder_SamePlan()
    {
        var ids = Enumerable.Range(0, 50).Select(i => $"device-{i:D3}").ToArray();

        var forward = WavePlan.Assign(ids, [10, 50, 100]);
        var backward = WavePlan.Assign(ids.Reverse(), [10, 50, 100]);

        backward.ShouldBe(forward);
        forward.Count(p => p.Wave == 0).ShouldBe(5);
        forward.Count(p => p.Wave == 1).ShouldBe(20);
        forward.Count(p => p.Wave == 2).ShouldBe(25);
    }

    [Fact]
    public void Assign_SmallFleetManyWaves_LeavesLaterWavesEmpty()
    {
        var plan = WavePlan.Assign(["only"], [10, 50, 100]);

        plan.ShouldBe([("only", 0)]);
    }

    [Fact]
    public void Matches_SelectorSubsetOfTags_True()
    {
        var tags = new Dictionary<string, string> { ["site"] = "lobby", ["kind"] = "camera" };

        WavePlan.Matches(new Dictionary<string, string> { ["site"] = "lobby" }, tags).ShouldBeTrue();
        WavePlan.Matches(new Dictionary<string, string>(), tags).ShouldBeTrue();
        WavePlan.Matches(new Dictionary<string, string> { ["site"] = "dock" }, tags).ShouldBeFalse();
        WavePlan.Matches(new Dictionary<string, string> { ["floor"] = "1" }, tags).ShouldBeFalse();
        WavePlan.Matches(new Dictionary<string, string> { ["site"] = "Lobby" }, tags).ShouldBeFalse();
    }
}
