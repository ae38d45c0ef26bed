using System.Text.Json;

namespace EdgeAi.Hub.Registry;

/// <summary>
/// Reads the headline figures out of an accuracy report as EdgeAi.Quantization writes it (camelCase:
/// outputs[].cosine, outputs[].top1Agreement, speed.fp32P50Ms / int8P50Ms, budgetMet). The report is
/// stored as given, so a figure it lacks is null rather than a refusal.
/// </summary>
internal static class ReportSummaries
{
    public static ReportSummary Of(JsonElement report)
    {
        double? cosine = null, top1 = null, speed = null;
        bool? budget = null;
        if (report.ValueKind != JsonValueKind.Object)
        {
            return new(null, null, null, null);
        }
        if (report.TryGetProperty("outputs", out var outputs) && outputs.ValueKind == JsonValueKind.Array)
        {
            foreach (var output in outputs.EnumerateArray())
            {
                cosine = Min(cosine, Number(output, "cosine"));
                top1 = Min(top1, Number(output, "top1Agreement"));
            }
        }
        if (report.TryGetProperty("speed", out var timing) && timing.ValueKind == JsonValueKind.Object)
        {
            speed = Number(timing, "ratio");
            if (speed is null && Number(timing, "fp32P50Ms") is > 0 and var fp32 && Number(timing, "int8P50Ms") is { } int8)
            {
                speed = int8 / fp32;
            }
        }
        if (report.TryGetProperty("budgetMet", out var met) && met.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            budget = met.GetBoolean();
        }
        return new(cosine, top1, speed, budget);
    }

    /// <summary>One line for the CLI: "cosine 0.9991, top-1 98.0%, int8/fp32 latency 0.42, budget met".</summary>
    public static string Describe(ReportSummary? summary)
    {
        if (summary is null)
        {
            return "no accuracy report";
        }
        var parts = new List<string>();
        if (summary.Cosine is { } c)
        {
            parts.Add(FormattableString.Invariant($"cosine {c:0.0000}"));
        }
        if (summary.Top1Agreement is { } t)
        {
            parts.Add(FormattableString.Invariant($"top-1 {t * 100:0.0}%"));
        }
        if (summary.SpeedRatio is { } s)
        {
            parts.Add(FormattableString.Invariant($"int8/fp32 latency {s:0.00}"));
        }
        if (summary.BudgetMet is { } b)
        {
            parts.Add(b ? "budget met" : "budget NOT met");
        }
        return parts.Count == 0 ? "report without figures" : string.Join(", ", parts);
    }

    private static double? Number(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static double? Min(double? current, double? next) => next is null ? current : current is null ? next : Math.Min(current.Value, next.Value);
}
