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
    public const string FallbackReason = "edgeai.fallback_reason";

    /// <summary>Values of <see cref="ServedBy"/>.</summary>
    public const string ServedLocal = "local";
    public const string ServedCloud = "cloud";

    public static void Set(this MapField<string, InferParameter> parameters, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters[key] = new InferParameter { StringParam = value };
    }

    /// <summary>The request's deadline budget in milliseconds (edgeai.deadline_ms as integer, double or string), if any.</summary>
    public static double? GetDeadlineMs(this MapField<string, InferParameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!parameters.TryGetValue(DeadlineMs, out var p))
        {
            return null;
        }
        return p.ParameterChoiceCase switch
        {
            InferParameter.ParameterChoiceOneofCase.Int64Param => p.Int64Param,
            InferParameter.ParameterChoiceOneofCase.Uint64Param => p.Uint64Param,
            InferParameter.ParameterChoiceOneofCase.DoubleParam => p.DoubleParam,
            InferParameter.ParameterChoiceOneofCase.StringParam when double.TryParse(p.StringParam, System.Globalization.CultureInfo.InvariantCulture, out var ms) => ms,
            _ => throw InferenceException.Invalid($"parameter {DeadlineMs} must be a number of milliseconds"),
        };
    }

    public static string? GetString(this MapField<string, InferParameter> parameters, string key)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return parameters.TryGetValue(key, out var p) && p.ParameterChoiceCase == InferParameter.ParameterChoiceOneofCase.StringParam
            ? p.StringParam
            : null;
    }
}
