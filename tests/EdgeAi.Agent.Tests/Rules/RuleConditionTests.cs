using EdgeAi.Agent.Rules;
using EdgeAi.Common.Inference;
using Google.Protobuf;

namespace EdgeAi.Agent.Tests.Rules;

/// <summary>A rule's condition on a result: a plain classifier's scores with index labels, or a pipeline's labels and scores.</summary>
public sealed class RuleConditionTests
{
    private static readonly ModelInferResponse Classifier = Fp32Output([0.1f, 0.7f, 0.2f]);
    private static readonly ModelInferResponse Pipeline = LabelsAndScores(["person", "bicycle"], [0.91f, 0.06f]);

    [Theory]
    [InlineData(RuleConditionKinds.Label, "1", 0.5, true, "1", 0.7)]
    [InlineData(RuleConditionKinds.Label, "1", 0.75, false, "1", 0.7)]
    [InlineData(RuleConditionKinds.Label, "2", 0.5, false, "2", 0.2)]
    [InlineData(RuleConditionKinds.Label, "7", 0.1, false, "1", 0.7)] // no such class: the best entry is shown
    [InlineData(RuleConditionKinds.AnyScore, null, 0.65, true, "1", 0.7)]
    [InlineData(RuleConditionKinds.AnyScore, null, 0.75, false, "1", 0.7)]
    [InlineData(RuleConditionKinds.Always, null, 0, true, "1", 0.7)]
    public void Evaluate_ClassifierScores_JudgedWithIndexLabels(string kind, string? label, double score, bool matched, string entry, double entryScore)
    {
        var verdict = RuleCondition.Evaluate(Condition(kind, label, score), Classifier);

        verdict.Matched.ShouldBe(matched);
        var decided = verdict.Entry.ShouldNotBeNull();
        decided.Label.ShouldBe(entry);
        decided.Score.ShouldBe(entryScore, 1e-6);
    }

    [Theory]
    [InlineData(RuleConditionKinds.Label, "person", 0.8, true, "person")]
    [InlineData(RuleConditionKinds.Label, "PERSON", 0.8, true, "person")]
    [InlineData(RuleConditionKinds.Label, "bicycle", 0.5, false, "bicycle")]
    [InlineData(RuleConditionKinds.AnyScore, null, 0.9, true, "person")]
    public void Evaluate_PipelineLabelsAndScores_JudgedByLabel(string kind, string? label, double score, bool matched, string entry)
    {
        var verdict = RuleCondition.Evaluate(Condition(kind, label, score), Pipeline);

        verdict.Matched.ShouldBe(matched);
        verdict.Entry.ShouldNotBeNull().Label.ShouldBe(entry);
    }

    [Fact]
    public void Evaluate_ThresholdLeftNoEntries_LabelAndAnyScoreDoNotHold()
    {
        var empty = LabelsAndScores([], []);

        RuleCondition.Evaluate(Condition(RuleConditionKinds.Label, "person", 0.1), empty).Matched.ShouldBeFalse();
        RuleCondition.Evaluate(Condition(RuleConditionKinds.AnyScore, null, 0.1), empty).Matched.ShouldBeFalse();
        RuleCondition.Evaluate(Condition(RuleConditionKinds.Always, null, 0), empty).Matched.ShouldBeTrue();
    }

    [Fact]
    public void Evaluate_NoTarget_AlwaysHoldsWithNoEntry()
    {
        var verdict = RuleCondition.Evaluate(Condition(RuleConditionKinds.Always, null, 0), null);

        verdict.Matched.ShouldBeTrue();
        verdict.Entry.ShouldBeNull();
        verdict.Describe().ShouldBe("no result");
    }

    [Fact]
    public void Entries_Fp32InTypedContents_ReadLikeRawOnes()
    {
        var response = new ModelInferResponse();
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = "probabilities", Datatype = "FP32", Shape = { 1, 2 }, Contents = new InferTensorContents() };
        output.Contents.Fp32Contents.Add([0.25f, 0.75f]);
        response.Outputs.Add(output);

        RuleCondition.Entries(response).ShouldBe([new ScoredLabel("0", 0.25), new ScoredLabel("1", 0.75)]);
    }

    [Fact]
    public void Entries_NoFp32Output_Empty()
    {
        var response = new ModelInferResponse();
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "label", Datatype = "INT64", Shape = { 1 } });
        response.RawOutputContents.Add(ByteString.CopyFrom(new byte[8]));

        RuleCondition.Entries(response).ShouldBeEmpty();
    }

    private static RuleConditionOptions Condition(string kind, string? label, double score) =>
        new() { Kind = kind, Label = label, MinScore = score, Threshold = score };

    private static ModelInferResponse Fp32Output(float[] scores)
    {
        var response = new ModelInferResponse();
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "probabilities", Datatype = "FP32", Shape = { 1, scores.Length } });
        response.RawOutputContents.Add(ByteString.CopyFrom(RawTensor.FromDoubles(TensorDatatype.Fp32, [.. scores.Select(s => (double)s)])));
        return response;
    }

    /// <summary>As the pipelines answer (the contract): labels BYTES [1,k], scores FP32 [1,k], indices INT64 [1,k], best first.</summary>
    private static ModelInferResponse LabelsAndScores(string[] labels, float[] scores)
    {
        var response = new ModelInferResponse();
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "labels", Datatype = "BYTES", Shape = { 1, labels.Length } });
        response.RawOutputContents.Add(ByteString.CopyFrom(RawTensor.FromStrings(labels)));
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "scores", Datatype = "FP32", Shape = { 1, scores.Length } });
        response.RawOutputContents.Add(ByteString.CopyFrom(RawTensor.FromDoubles(TensorDatatype.Fp32, [.. scores.Select(s => (double)s)])));
        response.Outputs.Add(new ModelInferResponse.Types.InferOutputTensor { Name = "indices", Datatype = "INT64", Shape = { 1, labels.Length } });
        response.RawOutputContents.Add(ByteString.CopyFrom(RawTensor.FromDoubles(TensorDatatype.Int64, [.. Enumerable.Range(0, labels.Length).Select(i => (double)i)])));
        return response;
    }
}
