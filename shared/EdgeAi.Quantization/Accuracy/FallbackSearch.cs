using System.Globalization;

namespace EdgeAi.Quantization.Accuracy;

/// <summary>What the fallback settled on: the model, its accuracy, and the nodes it put back to fp32 (worst first).</summary>
internal sealed record FallbackOutcome<T>(T Model, IReadOnlyList<OutputAccuracy> Outputs, IReadOnlyList<string> FallbackNodes);

/// <summary>
/// The accuracy-aware fallback. Each quantized weighted node is ranked by what leaving it alone in fp32 gains
/// (quantize all but that node, evaluate), then the worst are put back to fp32 one more at a time until the budget
/// holds; only nodes whose fp32 copy helped on its own are put back. Leave-one-out is measured end to end on the real outputs, so it ranks by what the budget counts (a
/// layer-wise cosine, cheaper, mixes in the error each layer inherits and rewards late layers); it costs one
/// quantize and evaluate per candidate, which for ResNet-sized models is seconds each.
/// </summary>
internal static class FallbackSearch
{
    /// <summary>The most nodes the search puts back before it gives up.</summary>
    public const int MaxSteps = 16;

    public static FallbackOutcome<T> Run<T>(
        IReadOnlyList<string> candidates,
        IReadOnlySet<string> excluded,
        T initialModel,
        IReadOnlyList<OutputAccuracy> initial,
        AccuracyBudget budget,
        Func<IReadOnlySet<string>, T> quantize,
        Func<T, IReadOnlyList<OutputAccuracy>> evaluate,
        IProgress<string>? progress,
        CancellationToken cancellationToken,
        int maxSteps = MaxSteps)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(excluded);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(quantize);
        ArgumentNullException.ThrowIfNull(evaluate);
        if (budget.IsMet(initial))
        {
            return new FallbackOutcome<T>(initialModel, initial, []);
        }

        // Putting back every candidate would leave no weighted node quantized: at most all but one go back.
        var limit = Math.Min(candidates.Count - 1, maxSteps);
        var best = new Trial<T>(initialModel, initial, [], budget.Slack(initial));
        if (limit < 1)
        {
            throw GiveUp(budget, best, candidates.Count <= 1
                ? $"the model has {candidates.Count} quantized weighted node{(candidates.Count == 1 ? "" : "s")}, so none can be put back to fp32 and leave the model quantized"
                : "no fallback steps are allowed");
        }

        progress?.Report($"fallback: the budget ({budget}) is not met ({AccuracyBudget.Summarize(initial)}); ranking {candidates.Count} nodes by what each costs");
        var gains = new double[candidates.Count];
        Trial<T>? single = null;
        for (var i = 0; i < candidates.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var trial = Try([candidates[i]], excluded, quantize, evaluate, budget);
            gains[i] = trial.Slack - best.Slack;
            if (single is null || trial.Slack > single.Slack)
            {
                single = trial;
            }
        }

        var order = Enumerable.Range(0, candidates.Count).OrderByDescending(i => gains[i]).ToArray();
        var ranked = order.Select(i => candidates[i]).ToArray();

        // A node whose fp32 copy did not help alone is not put back: on a real model most gains are noise around 0, and
        // adding them makes the model slower without making it better.
        var helpful = order.Count(i => gains[i] > 0);
        if (helpful == 0)
        {
            throw GiveUp(budget, best, $"putting any one of the {candidates.Count} quantized weighted nodes back to fp32 does not bring it closer");
        }

        limit = Math.Min(limit, helpful);
        progress?.Report("fallback: costliest first (gain in budget slack): " + string.Join(", ", order.Take(8).Select(
            i => string.Create(CultureInfo.InvariantCulture, $"{candidates[i]} ({gains[i]:+0.#####;-0.#####;0})"))));

        // The costliest node alone was measured while ranking.
        best = single!.Slack > best.Slack ? single : best;
        var current = single;
        for (var count = 1; ; count++)
        {
            progress?.Report($"fallback: {count} node{(count == 1 ? "" : "s")} fp32 ({string.Join(", ", current.Fallback)}): {AccuracyBudget.Summarize(current.Outputs)}");
            if (budget.IsMet(current.Outputs))
            {
                return new FallbackOutcome<T>(current.Model, current.Outputs, current.Fallback);
            }

            if (count >= limit)
            {
                throw GiveUp(budget, best, count >= candidates.Count - 1
                    ? $"even with all but one of the {candidates.Count} quantized weighted nodes in fp32"
                    : count >= helpful
                        ? $"after putting back the {count} node{(count == 1 ? "" : "s")} whose fp32 copy helps"
                        : $"after putting back {count} nodes (the most the search tries)");
            }

            cancellationToken.ThrowIfCancellationRequested();
            current = Try(ranked[..(count + 1)], excluded, quantize, evaluate, budget);
            if (current.Slack > best.Slack)
            {
                best = current;
            }
        }
    }

    private static Trial<T> Try<T>(
        string[] fallback, IReadOnlySet<string> excluded, Func<IReadOnlySet<string>, T> quantize, Func<T, IReadOnlyList<OutputAccuracy>> evaluate, AccuracyBudget budget)
    {
        var exclude = new HashSet<string>(excluded, StringComparer.Ordinal);
        exclude.UnionWith(fallback);
        var model = quantize(exclude);
        var outputs = evaluate(model);
        return new Trial<T>(model, outputs, fallback, budget.Slack(outputs));
    }

    private static QuantizationException GiveUp<T>(AccuracyBudget budget, Trial<T> best, string why) => new(
        $"the accuracy budget ({budget}) cannot be met: {why}; the best reached, with "
        + (best.Fallback.Count == 0 ? "no node" : $"{best.Fallback.Count} node{(best.Fallback.Count == 1 ? "" : "s")} ({string.Join(", ", best.Fallback)})")
        + $" in fp32: {AccuracyBudget.Summarize(best.Outputs)}");

    private sealed record Trial<T>(T Model, IReadOnlyList<OutputAccuracy> Outputs, IReadOnlyList<string> Fallback, double Slack);
}
