using EdgeAi.Quantization.Accuracy;

namespace EdgeAi.Quantization.Tests.Accuracy;

public sealed class OutputStatisticsTests
{
    [Fact]
    public void Cosine_KnownVectors_MatchesTheDefinition()
    {
        OutputStatistics.Cosine([1f, 0f], [0f, 1f]).ShouldBe(0.0);
        OutputStatistics.Cosine([1f, 2f], [2f, 4f]).ShouldBe(1.0, 1e-12);
        OutputStatistics.Cosine([1f, 2f], [-1f, -2f]).ShouldBe(-1.0, 1e-12);
        OutputStatistics.Cosine([3f, 4f], [4f, 3f]).ShouldBe(24.0 / 25.0, 1e-12);
    }

    [Fact]
    public void Cosine_ZeroVectors_TwoAreAlikeOneIsNot()
    {
        OutputStatistics.Cosine([0f, 0f], [0f, 0f]).ShouldBe(1.0);
        OutputStatistics.Cosine([0f, 0f], [1f, 0f]).ShouldBe(0.0);
    }

    [Fact]
    public void Add_TwoSamples_MeanAndWorstCosineAndAbsoluteErrors()
    {
        var statistics = new OutputStatistics("out");

        statistics.Add([1, 2], [1f, 0f], [1f, 0f]);
        statistics.Add([1, 2], [3f, 4f], [4f, 3f]);
        var accuracy = statistics.ToAccuracy();

        accuracy.Cosine.ShouldBe((1 + 0.96) / 2, 1e-12);
        accuracy.MinCosine.ShouldBe(0.96, 1e-12);
        accuracy.MaxAbsError.ShouldBe(1.0);
        accuracy.MeanAbsError.ShouldBe(2.0 / 4);
        accuracy.Top1Agreement.ShouldBe(0.5);
    }

    [Fact]
    public void Add_BatchOfScoreRows_OneArgmaxPerRow()
    {
        var statistics = new OutputStatistics("scores");

        statistics.Add([3, 3], [0f, 1f, 0f, 5f, 1f, 1f, 0f, 0f, 2f], [0f, 1f, 0f, 1f, 5f, 1f, 0f, 0f, 2f]);

        statistics.ToAccuracy().Top1Agreement.ShouldNotBeNull().ShouldBe(2.0 / 3, 1e-12);
    }

    [Theory]
    [InlineData(new long[] { 10 }, true)]
    [InlineData(new long[] { 1, 1000 }, true)]
    [InlineData(new long[] { 4, 1 }, false)]
    [InlineData(new long[] { 1, 512, 1, 1 }, false)]
    [InlineData(new long[] { 1, 8, 100 }, false)]
    [InlineData(new long[] { }, false)]
    public void IsScoreVector_Shapes_OnlyRankOneOrTwoWithClasses(long[] shape, bool expected)
    {
        OutputStatistics.IsScoreVector(shape).ShouldBe(expected);
    }

    [Fact]
    public void ToAccuracy_FeatureMap_HasNoTop1()
    {
        var statistics = new OutputStatistics("features");

        statistics.Add([1, 2, 1, 1], [1f, 2f], [1f, 2.5f]);

        statistics.ToAccuracy().Top1Agreement.ShouldBeNull();
    }
}
