using EdgeAi.Agent.Pipelines;
using EdgeAi.Common.Inference;

namespace EdgeAi.Agent.Tests.Pipelines;

public sealed class ClassScoresTests
{
    [Fact]
    public void Softmax_OfOneTwoThree_GivesTheKnownProbabilities()
    {
        // e^1, e^2, e^3 over their sum 30.19287: 0.0900306, 0.2447285, 0.6652410.
        ClassScores.Softmax([1f, 2f, 3f]).ShouldBe([0.0900306f, 0.2447285f, 0.6652410f], tolerance: 1e-6);
    }

    [Fact]
    public void Softmax_LargeLogits_DoesNotOverflow()
    {
        ClassScores.Softmax([1000f, 1000f]).ShouldBe([0.5f, 0.5f]);
    }

    [Fact]
    public void Select_TopK_ReturnsTheBestFirstWithLabels()
    {
        var chosen = ClassScores.Select([0.1f, 0.5f, 0.05f, 0.35f], new PostOptions { TopK = 2 }, ["cat", "dog", "car", "person"]);

        chosen.Indices.ShouldBe([1L, 3L]);
        chosen.Scores.ShouldBe([0.5f, 0.35f]);
        chosen.Labels.ShouldBe(["dog", "person"]);
    }

    [Fact]
    public void Select_NoLabels_UsesTheIndexAsText()
    {
        ClassScores.Select([0.2f, 0.8f], new PostOptions { TopK = 1 }, null).Labels.ShouldBe(["1"]);
    }

    [Fact]
    public void Select_Threshold_KeepsOnlyScoresAtOrAboveIt_AndMayKeepNone()
    {
        var post = new PostOptions { TopK = 0, Threshold = 0.35f };

        ClassScores.Select([0.1f, 0.5f, 0.05f, 0.35f], post, null).Indices.ShouldBe([1L, 3L]);
        ClassScores.Select([0.1f, 0.2f], post, null).Count.ShouldBe(0);
    }

    [Fact]
    public void Select_TiesAndNaN_KeepLowerIndexFirstAndNaNLast()
    {
        ClassScores.Select([float.NaN, 0.3f, 0.3f, 0.1f], new PostOptions { TopK = 0 }, null).Indices.ShouldBe([1L, 2L, 3L, 0L]);
    }

    [Fact]
    public void Select_WithSoftmax_ReturnsProbabilities()
    {
        var chosen = ClassScores.Select([1f, 2f, 3f], new PostOptions { Softmax = true, TopK = 1 }, null);

        chosen.Scores[0].ShouldBe(0.6652410f, tolerance: 1e-6);
    }

    [Fact]
    public void AddOutputs_WritesLabelsScoresAndIndicesAsOneRowEach()
    {
        var response = new ModelInferResponse();

        ClassScores.AddOutputs(response, new Classification([2L], [0.9f], ["person"]));

        response.Outputs.Select(o => (o.Name, o.Datatype, string.Join(",", o.Shape))).ShouldBe([("labels", "BYTES", "1,1"), ("scores", "FP32", "1,1"), ("indices", "INT64", "1,1")]);
        RawTensor.ToStrings(response.RawOutputContents[0].Span).ShouldBe(["person"]);
        RawTensor.ToDoubles(TensorDatatype.Fp32, response.RawOutputContents[1].Span).ShouldBe([0.9], tolerance: 1e-7);
        RawTensor.ToDoubles(TensorDatatype.Int64, response.RawOutputContents[2].Span).ShouldBe([2.0]);
    }
}
