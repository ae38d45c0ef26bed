using EdgeAi.Common.Inference;
using EdgeAi.Serving;
using EdgeAi.Serving.Protocol;
using EdgeAi.Serving.Runtime;

namespace EdgeAi.Agent.Routing;

/// <summary>The device's copy of a requested model, as routing sees it when the request arrives.</summary>
internal sealed record LocalModel(string Name, string Version, ModelState State, string? FailureReason, int QueueDepth)
{
    public static LocalModel Of(ModelInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return new(instance.Name, instance.Version, instance.State, instance.FailureReason, instance.QueueDepth);
    }
}

/// <summary>Everything a routing decision depends on, read once when the request arrives.</summary>
/// <param name="Route">The request's <c>edgeai.route</c> parameter; null or empty is <c>auto</c>.</param>
/// <param name="Budget">The request's deadline as a duration (<c>edgeai.deadline_ms</c> or the gRPC deadline); null when it has none.</param>
/// <param name="Received">When the request arrived: its deadline counts from here.</param>
/// <param name="Local">The device's copy of the model; null when the device has none.</param>
/// <param name="LocalLatencyMs">Recent local latency of the model; null before its first local run.</param>
/// <param name="HubConfigured">Whether there is a hub to escalate to (Cloud:HubUrl).</param>
internal sealed record RouteInputs(
    string Model, string? Route, TimeSpan? Budget, DateTimeOffset Received, LocalModel? Local, double? LocalLatencyMs, bool HubConfigured);

internal enum RouteKind
{
    /// <summary>The device serves; its answer or error goes back unchanged (local-only, <c>edgeai.route=local</c>, local-first without a hub).</summary>
    Local,

    /// <summary>The hub serves, or the caller gets UNAVAILABLE (cloud-only, <c>edgeai.route=cloud</c>).</summary>
    Cloud,

    /// <summary>The hub first; the device when the hub cannot serve.</summary>
    CloudFirst,

    /// <summary>The device first; the hub when the local run fails (<c>local_failure</c>) or a classifier is unsure (<c>low_confidence</c>).</summary>
    LocalFirst,

    /// <summary>Straight to the hub, for <see cref="RouteDecision.FallbackReason"/>; when the hub cannot serve either, both reasons are given.</summary>
    Escalate,
}

/// <summary>Where one request goes, and when its caller stops waiting (null: no deadline).</summary>
internal sealed record RouteDecision(RouteKind Kind, DateTimeOffset? Deadline, string? FallbackReason = null, string? LocalProblem = null);

/// <summary>The model and version a forwarded request asks the hub for; an empty version lets the hub choose.</summary>
internal readonly record struct CloudTarget(string Model, string Version);

/// <summary>
/// The router's rules, as pure functions of what is known when they apply (as <c>DeploymentPlanner</c> is for
/// the reconciler): no I/O and no clock of their own, so every rule is testable on its own. The
/// <see cref="Router"/> gathers the inputs and carries the decision out.
/// </summary>
internal static class RouteRules
{
    /// <summary>
    /// Where a request goes. The request's <c>edgeai.route</c> overrides the model's policy (<c>local</c>: local-only,
    /// <c>cloud</c>: cloud-only). Local-first, with a hub to go to, escalates at once when the device has no copy of
    /// the model, its copy failed to load, its queue is at the bound, or its recent latency is over the request's budget.
    /// </summary>
    /// <exception cref="InferenceException"><c>edgeai.route</c> is not auto, local or cloud (the caller's error).</exception>
    public static RouteDecision Decide(RouteInputs inputs, RoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        // Validated and at most a day, so adding it to the arrival time cannot overflow.
        var deadline = inputs.Received + inputs.Budget;
        switch (Policy(inputs.Route, options.PolicyFor(inputs.Model)))
        {
            case RoutePolicies.LocalOnly:
                return new RouteDecision(RouteKind.Local, deadline);
            case RoutePolicies.CloudOnly:
                return new RouteDecision(RouteKind.Cloud, deadline);
            case RoutePolicies.CloudFirst:
                return new RouteDecision(RouteKind.CloudFirst, deadline);
        }
        if (!inputs.HubConfigured)
        {
            // Nowhere to escalate to: the device's own answer or error, unchanged.
            return new RouteDecision(RouteKind.Local, deadline);
        }
        var local = inputs.Local;
        var bound = options.QueueBoundFor(inputs.Model);
        if (local is null)
        {
            return Escalate(deadline, FallbackReasons.NotInstalled, $"model '{inputs.Model}' is not installed on this device");
        }
        if (local.State != ModelState.Ready)
        {
            return Escalate(deadline, FallbackReasons.NotReady, $"model '{local.Name}' version {local.Version} is not ready: {local.FailureReason}");
        }
        if (local.QueueDepth >= bound)
        {
            return Escalate(deadline, FallbackReasons.Overloaded, $"{local.QueueDepth} requests already queued locally (bound {bound})");
        }
        if (inputs.Budget is { TotalMilliseconds: var budgetMs } && inputs.LocalLatencyMs is { } estimate && estimate > budgetMs)
        {
            return Escalate(deadline, FallbackReasons.Deadline, $"local latency is about {estimate:0} ms, over the {budgetMs:0} ms deadline");
        }
        return new RouteDecision(RouteKind.LocalFirst, deadline);
    }

    /// <summary>The policy that applies: the request's override, else the model's (or the default) policy.</summary>
    public static string Policy(string? route, string modelPolicy) => route switch
    {
        null or "" or "auto" => modelPolicy,
        "local" => RoutePolicies.LocalOnly,
        "cloud" => RoutePolicies.CloudOnly,
        var other => throw InferenceException.Invalid($"parameter {InferenceParameters.Route} is '{other}'; expected auto, local or cloud"),
    };

    /// <summary>
    /// Whether a failed local run goes on to the hub (<c>local_failure</c>): a fault of the device (internal, unavailable)
    /// or a run the model refused after the protocol checks passed (the hub's copy may accept it). Bad input is the
    /// caller's error and goes back as it is.
    /// </summary>
    public static bool EscalatesLocalFailure(InferenceError error) =>
        error is InferenceError.Internal or InferenceError.Unavailable or InferenceError.ModelRejected;

    /// <summary>
    /// For a model with a confidence threshold (a cascade): whether the local answer stands, that is every row's top-1
    /// probability of the first FP32 output reaches the threshold. Without a threshold, or without such an output, it stands.
    /// </summary>
    public static bool IsConfident(double? confidenceThreshold, ModelInferResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (confidenceThreshold is not { } threshold)
        {
            return true;
        }
        var index = response.Outputs.ToList().FindIndex(o => o.Datatype == "FP32" && o.Shape.Count >= 1);
        if (index < 0 || index >= response.RawOutputContents.Count)
        {
            return true;
        }
        var output = response.Outputs[index];
        var values = RawTensor.ToDoubles(TensorDatatype.Fp32, response.RawOutputContents[index].Span);
        var classes = (int)output.Shape[^1];
        if (classes <= 0)
        {
            return true;
        }
        for (var row = 0; row + classes <= values.Length; row += classes)
        {
            if (values.AsSpan(row, classes).ToArray().Max() < threshold)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// The hub serving the device's own model: the version the request named, else the one the device's desired state
    /// names (the hub's newest may be one this device was rolled back from), else the hub's choice.
    /// </summary>
    public static CloudTarget DeviceTarget(string model, string? requestedVersion, string? desiredVersion) =>
        new(model, requestedVersion is { Length: > 0 } named ? named : desiredVersion ?? "");

    /// <summary>A cascade goes to Routing:Models:{name}:CascadeModel / CascadeVersion when set, else to the device's own model as above.</summary>
    public static CloudTarget CascadeTarget(string model, string? requestedVersion, string? desiredVersion, RoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var routing = options.For(model);
        if (routing?.CascadeModel is { Length: > 0 } other && other != model)
        {
            return new CloudTarget(other, routing.CascadeVersion ?? "");
        }
        return routing?.CascadeVersion is { } version ? new CloudTarget(model, version) : DeviceTarget(model, requestedVersion, desiredVersion);
    }

    /// <summary>
    /// What is left of the caller's budget for the hub (null: no deadline). The hub gets what is left, not the whole
    /// budget again; nothing is left once the deadline has passed, and the request is then not sent at all.
    /// </summary>
    /// <exception cref="InferenceException">DeadlineExceeded: the deadline passed before the request could be sent.</exception>
    public static TimeSpan? HubBudget(string model, DateTimeOffset? deadline, DateTimeOffset now)
    {
        if (deadline is not { } due)
        {
            return null;
        }
        var remaining = due - now;
        return remaining > TimeSpan.Zero
            ? remaining
            : throw new InferenceException(InferenceError.DeadlineExceeded, $"deadline passed before model '{model}' could be sent to the hub; it was not run");
    }

    private static RouteDecision Escalate(DateTimeOffset? deadline, string reason, string localProblem) =>
        new(RouteKind.Escalate, deadline, reason, localProblem);
}

/// <summary>Values of edgeai.fallback_reason.</summary>
internal static class FallbackReasons
{
    public const string NotInstalled = "model_not_installed";
    public const string NotReady = "model_not_ready";
    public const string LocalFailure = "local_failure";
    public const string Overloaded = "overloaded";
    public const string Deadline = "deadline";
    public const string LowConfidence = "low_confidence";
}
