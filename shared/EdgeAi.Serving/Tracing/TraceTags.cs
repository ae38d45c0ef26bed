namespace EdgeAi.Serving.Tracing;

/// <summary>
/// Span tag names, in the style of the OpenTelemetry semantic conventions (a dotted namespace, snake_case):
/// ours under <c>edgeai.</c>, the conventions' own where one fits (<c>rpc.*</c>, <c>messaging.*</c>).
/// </summary>
public static class TraceTags
{
    public const string Model = "edgeai.model";
    public const string ModelVersion = "edgeai.model_version";
    public const string ExecutionProvider = "edgeai.execution_provider";

    /// <summary>Where the request was served: <c>local</c> or <c>cloud</c>.</summary>
    public const string Route = "edgeai.route";

    /// <summary>What the request asked for (<c>edgeai.route</c> parameter: auto, local, cloud).</summary>
    public const string RouteRequested = "edgeai.route.requested";

    /// <summary>The router's rule decision: local, cloud, cloud_first, local_first, escalate.</summary>
    public const string RouteDecision = "edgeai.route.decision";

    public const string FallbackReason = "edgeai.fallback_reason";

    /// <summary>Requests merged into one batch run, and their rows (first-dimension sum).</summary>
    public const string BatchSize = "edgeai.batch.size";
    public const string BatchRows = "edgeai.batch.rows";

    public const string Device = "edgeai.device";
    public const string Stream = "edgeai.stream";
    public const string Records = "edgeai.records";
    public const string Rule = "edgeai.rule";

    public const string RpcSystem = "rpc.system";
    public const string RpcService = "rpc.service";
    public const string RpcMethod = "rpc.method";
    public const string ServerAddress = "server.address";
    public const string MessagingSystem = "messaging.system";
    public const string MessagingDestination = "messaging.destination.name";
    public const string MessagingOperation = "messaging.operation.type";
    public const string MessagingBatchCount = "messaging.batch.message_count";
}
