using System.Buffers.Binary;
using EdgeAi.Common.Inference;

namespace EdgeAi.Agent.Rules;

/// <summary>One entry of a result: a label (or a class index as text) and its score.</summary>
internal readonly record struct ScoredLabel(string Label, double Score);

/// <summary>Whether the condition held, and the entry that decided it (or, when none did, the best one).</summary>
internal sealed record RuleVerdict(bool Matched, ScoredLabel? Entry)
{
    public string Describe() => Entry is { } e ? $"{e.Label} {e.Score:0.###}" : "no result";
}

/// <summary>
/// Reads a result as the pipelines return it — outputs <c>labels</c> (BYTES) and <c>scores</c> (FP32), best
/// first — or, for a plain classifier model, its first FP32 output as scores with the class index as label;
/// then judges it: always, a label with at least a score, or any score at least a threshold.
/// </summary>
internal static class RuleCondition
{
    public static RuleVerdict Evaluate(RuleConditionOptions condition, ModelInferResponse? response)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var entries = response is null ? [] : Entries(response);
        var best = entries.Count == 0 ? (ScoredLabel?)null : entries.MaxBy(e => e.Score);
        switch (condition.Kind)
        {
            case RuleConditionKinds.Label:
                var labelled = entries.Where(e => string.Equals(e.Label, condition.Label, StringComparison.OrdinalIgnoreCase)).ToList();
                var match = labelled.Where(e => e.Score >= condition.MinScore).Select(e => (ScoredLabel?)e).FirstOrDefault();
                return match is not null ? new(true, match) : new(false, labelled.Count > 0 ? labelled.MaxBy(e => e.Score) : best);
            case RuleConditionKinds.AnyScore:
                return new(best is { } top && top.Score >= condition.Threshold, best);
            default:
                return new(true, best);
        }
    }

    /// <summary>The result's entries: the pipeline's labels and scores, else the first FP32 output with index labels; empty when it has neither.</summary>
    public static IReadOnlyList<ScoredLabel> Entries(ModelInferResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var labels = Find(response, "labels", TensorDatatype.Bytes);
        var scores = Find(response, "scores", TensorDatatype.Fp32);
        if (labels is { } l && scores is { } s)
        {
            var names = BytesOf(response, l);
            var values = Floats(response, s);
            return [.. names.Zip(values, (name, score) => new ScoredLabel(name, score))];
        }
        for (var i = 0; i < response.Outputs.Count; i++)
        {
            if (response.Outputs[i].Datatype == TensorDatatype.Fp32.ToName())
            {
                return [.. Floats(response, i).Select((score, index) => new ScoredLabel(index.ToString(System.Globalization.CultureInfo.InvariantCulture), score))];
            }
        }
        return [];
    }

    private static int? Find(ModelInferResponse response, string name, TensorDatatype datatype)
    {
        for (var i = 0; i < response.Outputs.Count; i++)
        {
            if (response.Outputs[i].Name == name && response.Outputs[i].Datatype == datatype.ToName())
            {
                return i;
            }
        }
        return null;
    }

    private static List<double> Floats(ModelInferResponse response, int index)
    {
        if (index < response.RawOutputContents.Count)
        {
            var raw = response.RawOutputContents[index].Span;
            var values = new List<double>(raw.Length / 4);
            for (var at = 0; at + 4 <= raw.Length; at += 4)
            {
                values.Add(BinaryPrimitives.ReadSingleLittleEndian(raw[at..]));
            }
            return values;
        }
        return [.. response.Outputs[index].Contents?.Fp32Contents.Select(v => (double)v) ?? []];
    }

    private static IReadOnlyList<string> BytesOf(ModelInferResponse response, int index) =>
        index < response.RawOutputContents.Count
            ? RawTensor.ToStrings(response.RawOutputContents[index].Span)
            : [.. response.Outputs[index].Contents?.BytesContents.Select(b => b.ToStringUtf8()) ?? []];
}
