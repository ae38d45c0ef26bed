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

    public static void Set(this MapField<string, InferParameter> parameters, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters[key] = new InferParameter { StringParam = value };
    }

    public static string? GetString(this MapField<string, InferParameter> parameters, string key)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return parameters.TryGetValue(key, out var p) && p.ParameterChoiceCase == InferParameter.ParameterChoiceOneofCase.StringParam
            ? p.StringParam
            : null;
    }
}
