using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeAi.Agent.Rules;

/// <summary>A fire's result as REST answers it and a webhook receives it (with the device).</summary>
internal sealed record RuleResultView(
    string Rule,
    string Outcome,
    string? Reason,
    string Trigger,
    string? Target,
    string? Input,
    bool Matched,
    string? Label,
    double? Score,
    double LatencyMs,
    double? InferenceMs,
    string? ServedBy,
    IReadOnlyList<string>? ActionErrors,
    DateTimeOffset At,
    string? Device)
{
    public static RuleResultView From(RuleResult result, string? device = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new(
            result.Rule,
            result.Outcome,
            result.Reason,
            result.Trigger,
            result.Target,
            result.Input,
            result.Verdict?.Matched ?? false,
            result.Verdict?.Entry?.Label,
            result.Verdict?.Entry?.Score,
            Math.Round(result.LatencyMs, 3),
            result.InferenceMs is { } ms ? Math.Round(ms, 3) : null,
            result.ServedBy,
            result.ActionErrors.Count == 0 ? null : result.ActionErrors,
            result.At,
            device);
    }
}

/// <summary>A rule as <c>GET /rules</c> lists it.</summary>
internal sealed record RuleView(
    string Name,
    string State,
    string? Reason,
    string Trigger,
    string? Target,
    string Condition,
    IReadOnlyList<string> Actions,
    long Fires,
    long Skips,
    long Failures,
    RuleResultView? Last);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RuleResultView))]
[JsonSerializable(typeof(RuleView[]))]
internal sealed partial class RulesJson : JsonSerializerContext;
