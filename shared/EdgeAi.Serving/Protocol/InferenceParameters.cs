using System.Globalization;
using EdgeAi.Common.Inference;
using Google.Protobuf.Collections;

namespace EdgeAi.Serving.Protocol;

/// <summary>EdgeAi's knobs, carried in the protocol's own parameter maps under the <c>edgeai.</c> prefix.</summary>
public static class InferenceParameters
{
    public const string Route = "edgeai.route";
    public const string DeadlineMs = "edgeai.deadline_ms";
    public const string ServedBy = "edgeai.served_by";
    public const string ExecutionProvider = "edgeai.execution_provider";
    public const string ModelVersion = "edgeai.model_version";

    /// <summary>The variant of the version that answered: "fp32", "int8" or "fp16" ("fp32" for a model installed without one).</summary>
    public const string ModelVariant = "edgeai.model_variant";
    public const string FallbackReason = "edgeai.fallback_reason";

    /// <summary>Values of <see cref="ServedBy"/>.</summary>
    public const string ServedLocal = "local";
    public const string ServedCloud = "cloud";

    public static void Set(this MapField<string, InferParameter> parameters, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters[key] = new InferParameter { StringParam = value };
    }

    /// <summary>
    /// The longest <see cref="DeadlineMs"/> accepted: a day. Longer budgets mean "no deadline" in
    /// practice, and a bound keeps every deadline computed from one far from DateTimeOffset's range.
    /// </summary>
    public static readonly TimeSpan MaxDeadline = TimeSpan.FromDays(1);

    /// <summary>
    /// The request's time budget from <see cref="DeadlineMs"/> (an integer, a double or a string of
    /// milliseconds), or null when it has none. Anything but a finite number of milliseconds over 0 and
    /// up to <see cref="MaxDeadline"/> is the caller's mistake: INVALID_ARGUMENT naming the parameter and
    /// the range. The one place the parameter is read, so agent and hub agree on what it means.
    /// </summary>
    public static TimeSpan? GetDeadline(this MapField<string, InferParameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!parameters.TryGetValue(DeadlineMs, out var p))
        {
            return null;
        }
        var (ms, text) = p.ParameterChoiceCase switch
        {
            InferParameter.ParameterChoiceOneofCase.Int64Param => ((double)p.Int64Param, p.Int64Param.ToString(CultureInfo.InvariantCulture)),
            InferParameter.ParameterChoiceOneofCase.Uint64Param => ((double)p.Uint64Param, p.Uint64Param.ToString(CultureInfo.InvariantCulture)),
            InferParameter.ParameterChoiceOneofCase.DoubleParam => (p.DoubleParam, p.DoubleParam.ToString("R", CultureInfo.InvariantCulture)),
            InferParameter.ParameterChoiceOneofCase.StringParam => (
                double.TryParse(p.StringParam, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : double.NaN,
                $"'{p.StringParam}'"),
            var other => (double.NaN, $"a {other} parameter"),
        };
        // Compared as doubles: int64 and uint64 extremes, ±infinity and NaN all fall outside (NaN compares false).
        if (!(ms > 0 && ms <= MaxDeadline.TotalMilliseconds))
        {
            throw InferenceException.Invalid(
                $"parameter {DeadlineMs} is {text}; expected a number of milliseconds greater than 0 and at most {MaxDeadline.TotalMilliseconds:0} ({MaxDeadline.TotalHours:0} hours)");
        }
        return TimeSpan.FromMilliseconds(ms);
    }

    /// <summary>Sets <see cref="DeadlineMs"/> to what is left of a budget, in whole milliseconds rounded up (so a little left is never 0).</summary>
    public static void SetDeadline(this MapField<string, InferParameter> parameters, TimeSpan remaining)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(remaining, TimeSpan.Zero);
        var ms = (long)Math.Ceiling(Math.Min(remaining.TotalMilliseconds, MaxDeadline.TotalMilliseconds));
        parameters[DeadlineMs] = new InferParameter { Int64Param = ms };
    }

    public static string? GetString(this MapField<string, InferParameter> parameters, string key)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return parameters.TryGetValue(key, out var p) && p.ParameterChoiceCase == InferParameter.ParameterChoiceOneofCase.StringParam
            ? p.StringParam
            : null;
    }
}
