using System.Globalization;

namespace EdgeAi.Quantization.Accuracy;

/// <summary>The accuracy a quantized model must keep: a largest cosine drop for every output, a smallest top-1 agreement for classifier outputs.</summary>
internal sealed record AccuracyBudget(double? MaxCosineDrop, double? MinTop1Agreement)
{
    public bool IsSet => MaxCosineDrop is not null || MinTop1Agreement is not null;

    public static AccuracyBudget From(QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxCosineDrop is { } drop && !(drop >= 0 && drop <= 2))
        {
            throw new QuantizationException($"the largest cosine drop {drop} is out of range: expected 0 to 2 (1 − cosine)");
        }

        if (options.MinTop1Agreement is { } top1 && !(top1 >= 0 && top1 <= 1))
        {
            throw new QuantizationException($"the smallest top-1 agreement {top1} is out of range: expected 0 to 1");
        }

        return new AccuracyBudget(options.MaxCosineDrop, options.MinTop1Agreement);
    }

    /// <summary>
    /// How far inside the budget the outputs are (negative: outside) on its tightest term; +∞ with no budget. A top-1
    /// term only counts outputs that have a top-1 agreement (score vectors).
    /// </summary>
    public double Slack(IReadOnlyList<OutputAccuracy> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var slack = double.PositiveInfinity;
        foreach (var output in outputs)
        {
            if (MaxCosineDrop is { } drop)
            {
                slack = Math.Min(slack, drop - (1 - output.Cosine));
            }

            if (MinTop1Agreement is { } top1 && output.Top1Agreement is { } agreement)
            {
                slack = Math.Min(slack, agreement - top1);
            }
        }

        return slack;
    }

    public bool IsMet(IReadOnlyList<OutputAccuracy> outputs) => Slack(outputs) >= 0;

    public override string ToString()
    {
        var terms = new List<string>();
        if (MaxCosineDrop is { } drop)
        {
            terms.Add(string.Create(CultureInfo.InvariantCulture, $"cosine drop ≤ {drop:G4}"));
        }

        if (MinTop1Agreement is { } top1)
        {
            terms.Add(string.Create(CultureInfo.InvariantCulture, $"top-1 agreement ≥ {top1:G4}"));
        }

        return terms.Count == 0 ? "no budget" : string.Join(", ", terms);
    }

    /// <summary>The outputs in a line: each one's cosine drop and top-1 agreement.</summary>
    public static string Summarize(IReadOnlyList<OutputAccuracy> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        return string.Join("; ", outputs.Select(o => string.Create(
            CultureInfo.InvariantCulture,
            $"'{o.Name}' cosine drop {1 - o.Cosine:G4}{(o.Top1Agreement is { } a ? $", top-1 {a:G4}" : "")}")));
    }
}
