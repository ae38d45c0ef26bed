using EdgeAi.Quantization.Accuracy;

namespace EdgeAi.Quantization.Tests.Accuracy;

public sealed class FallbackSearchTests
{
    // What quantizing each node costs in cosine; the drops add up.
    private static readonly Dictionary<string, double> Cost = new(StringComparer.Ordinal)
    {
        ["conv1"] = 0.010, ["conv2"] = 0.050, ["conv3"] = 0.001, ["fc"] = 0.020,
    };

    private static readonly string[] Candidates = ["conv1", "conv2", "conv3", "fc"];

    private static IReadOnlyList<OutputAccuracy> Outputs(IReadOnlySet<string> fp32) =>
        [new OutputAccuracy("y", 1 - Cost.Where(c => !fp32.Contains(c.Key)).Sum(c => c.Value), 0.9, 0.1, 0.01, null)];

    private static FallbackOutcome<IReadOnlySet<string>> Search(AccuracyBudget budget, List<string>? quantizeCalls = null, int maxSteps = FallbackSearch.MaxSteps)
    {
        var none = new HashSet<string>(StringComparer.Ordinal) { "stem" };
        return FallbackSearch.Run<IReadOnlySet<string>>(
            Candidates, none, none, Outputs(none), budget,
            fp32 =>
            {
                quantizeCalls?.Add(string.Join("+", fp32.Order(StringComparer.Ordinal)));
                return fp32;
            },
            Outputs, null, CancellationToken.None, maxSteps);
    }

    [Fact]
    public void Run_BudgetAlreadyMet_PutsNothingBack()
    {
        var calls = new List<string>();

        var outcome = Search(new AccuracyBudget(0.1, null), calls);

        outcome.FallbackNodes.ShouldBeEmpty();
        calls.ShouldBeEmpty();
    }

    [Fact]
    public void Run_OneCostlyNode_PutsBackOnlyIt()
    {
        var outcome = Search(new AccuracyBudget(0.04, null));

        outcome.FallbackNodes.ShouldBe(["conv2"]);
        outcome.Outputs[0].Cosine.ShouldBe(1 - 0.031, 1e-9);
        outcome.Model.ShouldContain("stem");
    }

    [Fact]
    public void Run_TighterBudget_PutsBackTheWorstFirstUntilItHolds()
    {
        var calls = new List<string>();

        var outcome = Search(new AccuracyBudget(0.005, null), calls);

        outcome.FallbackNodes.ShouldBe(["conv2", "fc", "conv1"]);
        // Four leave-one-out trials, then two more nodes back.
        calls.Count.ShouldBe(6);
        calls[^1].ShouldBe("conv1+conv2+fc+stem");
    }

    [Fact]
    public void Run_BudgetNoFallbackMeets_NamesTheBestReached()
    {
        var error = Should.Throw<QuantizationException>(() => Search(new AccuracyBudget(0.0001, null)));

        error.Message.ShouldContain("cosine drop ≤ 0.0001");
        error.Message.ShouldContain("all but one of the 4");
        error.Message.ShouldContain("3 nodes (conv2, fc, conv1)");
        error.Message.ShouldContain("'y' cosine drop 0.001");
    }

    [Fact]
    public void Run_StepLimit_GivesUpAfterIt()
    {
        Should.Throw<QuantizationException>(() => Search(new AccuracyBudget(0.005, null), maxSteps: 1))
            .Message.ShouldContain("after putting back 1 nodes");
    }

    [Fact]
    public void Run_NodesThatDoNotHelp_AreNotPutBack()
    {
        var none = new HashSet<string>(StringComparer.Ordinal);
        var calls = 0;
        IReadOnlyList<OutputAccuracy> Drop(IReadOnlySet<string> fp32) =>
            [new OutputAccuracy("y", 1 - 0.005 - (fp32.Contains("a") ? 0 : 0.01), 0.9, 0.1, 0.01, null)];

        var error = Should.Throw<QuantizationException>(() => FallbackSearch.Run<IReadOnlySet<string>>(
            ["a", "b", "c"], none, none, Drop(none), new AccuracyBudget(0.001, null), s => { calls++; return s; }, Drop, null, CancellationToken.None));

        error.Message.ShouldContain("after putting back the 1 node whose fp32 copy helps");
        error.Message.ShouldContain("1 node (a) in fp32");
        calls.ShouldBe(3);
    }

    [Fact]
    public void Run_SingleWeightedNode_CannotFallBack()
    {
        var none = new HashSet<string>(StringComparer.Ordinal);

        Should.Throw<QuantizationException>(() => FallbackSearch.Run<int>(
            ["fc"], none, 0, Outputs(none), new AccuracyBudget(0.0001, null), _ => 1, _ => Outputs(none), null, CancellationToken.None))
            .Message.ShouldContain("1 quantized weighted node");
    }

    [Fact]
    public void Slack_Top1Term_CountsOnlyScoreOutputs()
    {
        var budget = new AccuracyBudget(0.01, 0.95);
        IReadOnlyList<OutputAccuracy> outputs =
        [
            new("features", 0.999, 0.99, 0.1, 0.01, null),
            new("scores", 0.995, 0.99, 0.1, 0.01, 0.9),
        ];

        budget.Slack(outputs).ShouldBe(-0.05, 1e-9);
        budget.IsMet(outputs).ShouldBeFalse();
        new AccuracyBudget(0.01, null).IsMet(outputs).ShouldBeTrue();
        new AccuracyBudget(null, null).Slack(outputs).ShouldBe(double.PositiveInfinity);
    }
}
