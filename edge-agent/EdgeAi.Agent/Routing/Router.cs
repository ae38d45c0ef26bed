using EdgeAi.Agent.Cloud;
using EdgeAi.Agent.Uplink;
using EdgeAi.Common.Inference;
using EdgeAi.Serving;
using EdgeAi.Serving.Protocol;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Routing;

/// <summary>
/// Decides, per request, whether the device or the hub serves it. Local-first (the default) serves
/// locally and escalates to the hub when the model is not installed, is not ready or fails, its
/// queue is too deep, the deadline cannot be met at recent local latency, or a classifier is not
/// confident enough. Every response says who served it, and why the hub did when it did. Policies
/// and thresholds are read per request, so a change from the hub's desired state applies at once.
/// A request the hub serves for the device's own model, without a version, asks for the version
/// the device's desired state names, so the device and its fallback answer alike after a rollback.
/// </summary>
internal sealed class Router : IInferenceBackend
{
    private readonly ModelHost _host;
    private readonly ModelLoader _loader;
    private readonly CloudClient _cloud;
    private readonly IOptionsMonitor<RoutingOptions> _options;
    private readonly LatencyTracker _latency;
    private readonly DesiredStateStore _desired;
    private readonly TimeProvider _time;

    public Router(
        ModelHost host, ModelLoader loader, CloudClient cloud, IOptionsMonitor<RoutingOptions> options, LatencyTracker latency, DesiredStateStore desired, TimeProvider time)
    {
        _host = host;
        _loader = loader;
        _cloud = cloud;
        _options = options;
        _latency = latency;
        _desired = desired;
        _time = time;
    }

    public bool IsReady => _loader.InitialLoadDone;

    /// <summary>A model only the hub has is ready when the hub answers for it; one the hub does not have either is NotFound.</summary>
    public async Task<bool> IsModelReadyAsync(string name, string? version, CancellationToken cancellationToken)
    {
        if (TryLocal(name, version, out var instance))
        {
            return instance.State == ModelState.Ready;
        }
        if (!_cloud.Enabled)
        {
            throw new InferenceException(InferenceError.NotFound, $"model '{name}' is not installed on this device and no hub is configured");
        }
        try
        {
            await HubMetadataAsync(name, version, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (InferenceException e) when (e.Error == InferenceError.Unavailable)
        {
            // Not ready where it could be served: neither here nor (now) at the hub.
            return false;
        }
    }

    public Task<ModelMetadataResponse> GetModelMetadataAsync(string name, string? version, CancellationToken cancellationToken) =>
        TryLocal(name, version, out _) || !_cloud.Enabled
            ? Task.FromResult(_host.GetMetadata(name, version))
            : HubMetadataAsync(name, version, cancellationToken);

    /// <summary>The hub's metadata for a model the device does not have: NotFound when the hub has none either, Unavailable only for a real outage.</summary>
    private async Task<ModelMetadataResponse> HubMetadataAsync(string name, string? version, CancellationToken cancellationToken)
    {
        try
        {
            return await _cloud.MetadataAsync(name, version, cancellationToken).ConfigureAwait(false);
        }
        catch (InferenceException e) when (e.Error == InferenceError.NotFound)
        {
            throw new InferenceException(InferenceError.NotFound, $"model '{name}' is not installed on this device and the hub does not have it either ({e.Message})");
        }
        catch (CloudUnavailableException e)
        {
            throw new InferenceException(InferenceError.Unavailable, $"model '{name}' is not installed on this device and the hub cannot be reached: {e.Message}");
        }
    }

    public async Task<ModelInferResponse> InferAsync(ModelInferRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var received = _time.GetUtcNow();
        // Validated and at most a day, so adding it to now cannot overflow.
        var budget = request.Parameters.GetDeadline();
        var deadline = received + budget;
        var options = _options.CurrentValue;
        var policy = EffectivePolicy(request, options);

        switch (policy)
        {
            case RoutePolicies.LocalOnly:
                return await LocalAsync(request, cancellationToken).ConfigureAwait(false);
            case RoutePolicies.CloudOnly:
                return await CloudOnlyAsync(request, deadline, cancellationToken).ConfigureAwait(false);
            case RoutePolicies.CloudFirst:
                try
                {
                    return await CloudAsync(request, DeviceTarget(request), deadline, fallbackReason: null, cancellationToken).ConfigureAwait(false);
                }
                catch (CloudUnavailableException)
                {
                    return await LocalAsync(request, cancellationToken).ConfigureAwait(false);
                }
            default:
                if (!_cloud.Enabled)
                {
                    // Nowhere to escalate to: the device's own answer or error, unchanged.
                    return await LocalAsync(request, cancellationToken).ConfigureAwait(false);
                }
                return await LocalFirstAsync(request, options, deadline, budget, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ModelInferResponse> LocalFirstAsync(
        ModelInferRequest request, RoutingOptions options, DateTimeOffset? deadline, TimeSpan? budget, CancellationToken cancellationToken)
    {
        string reason;
        string localProblem;
        if (!TryLocal(request.ModelName, request.ModelVersion, out var instance))
        {
            (reason, localProblem) = (FallbackReasons.NotInstalled, $"model '{request.ModelName}' is not installed on this device");
        }
        else if (instance.State != ModelState.Ready)
        {
            (reason, localProblem) = (FallbackReasons.NotReady, $"model '{instance.Name}' version {instance.Version} is not ready: {instance.FailureReason}");
        }
        else if (instance.QueueDepth >= options.QueueBoundFor(request.ModelName))
        {
            (reason, localProblem) = (FallbackReasons.Overloaded, $"{instance.QueueDepth} requests already queued locally (bound {options.QueueBoundFor(request.ModelName)})");
        }
        else if (budget is { TotalMilliseconds: var budgetMs } && _latency.EstimateMs(request.ModelName) is { } estimate && estimate > budgetMs)
        {
            (reason, localProblem) = (FallbackReasons.Deadline, $"local latency is about {estimate:0} ms, over the {budgetMs:0} ms deadline");
        }
        else
        {
            ModelInferResponse local;
            try
            {
                local = await LocalAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (InferenceException e) when (e.Error is InferenceError.Internal or InferenceError.Unavailable or InferenceError.ModelRejected)
            {
                return await EscalateAsync(request, deadline, FallbackReasons.LocalFailure, e.Message, cancellationToken).ConfigureAwait(false);
            }
            if (!IsConfident(options.ConfidenceThresholdFor(request.ModelName), local))
            {
                try
                {
                    return await CloudAsync(request, CascadeTarget(request, options), deadline, FallbackReasons.LowConfidence, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is CloudUnavailableException or InferenceException)
                {
                    // The device's answer is unsure, but it is still an answer: better than none.
                    local.Parameters.Set("edgeai.cloud_error", e.Message);
                    return local;
                }
            }
            return local;
        }
        return await EscalateAsync(request, deadline, reason, localProblem, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ModelInferResponse> EscalateAsync(ModelInferRequest request, DateTimeOffset? deadline, string reason, string localProblem, CancellationToken cancellationToken)
    {
        try
        {
            return await CloudAsync(request, DeviceTarget(request), deadline, reason, cancellationToken).ConfigureAwait(false);
        }
        catch (CloudUnavailableException e)
        {
            throw new InferenceException(InferenceError.Unavailable, $"neither device nor hub can serve model '{request.ModelName}': local: {localProblem}; cloud: {e.Message}");
        }
    }

    private async Task<ModelInferResponse> CloudOnlyAsync(ModelInferRequest request, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        try
        {
            return await CloudAsync(request, DeviceTarget(request), deadline, fallbackReason: null, cancellationToken).ConfigureAwait(false);
        }
        catch (CloudUnavailableException e)
        {
            throw new InferenceException(InferenceError.Unavailable, $"model '{request.ModelName}' is served by the hub only (cloud-only) and the hub cannot serve: {e.Message}");
        }
    }

    private async Task<ModelInferResponse> LocalAsync(ModelInferRequest request, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var response = await _host.InferAsync(request, cancellationToken).ConfigureAwait(false);
        _latency.Record(request.ModelName, _time.GetElapsedTime(started));
        response.Parameters.Set(InferenceParameters.ServedBy, InferenceParameters.ServedLocal);
        return response;
    }

    private async Task<ModelInferResponse> CloudAsync(
        ModelInferRequest request, CloudTarget target, DateTimeOffset? deadline, string? fallbackReason, CancellationToken cancellationToken)
    {
        // The hub must not see routing knobs meant for this device (it may itself be a router).
        var forwarded = request.Clone();
        forwarded.Parameters.Remove(InferenceParameters.Route);
        (forwarded.ModelName, forwarded.ModelVersion) = (target.Model, target.Version);
        if (deadline is { } due)
        {
            // The hub gets what is left of the budget, not the whole of it again.
            var remaining = due - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                throw new InferenceException(InferenceError.DeadlineExceeded, $"deadline passed before model '{request.ModelName}' could be sent to the hub; it was not run");
            }
            forwarded.Parameters.SetDeadline(remaining);
        }
        var response = await _cloud.InferAsync(forwarded, deadline, cancellationToken).ConfigureAwait(false);
        response.Parameters.Set(InferenceParameters.ServedBy, InferenceParameters.ServedCloud);
        if (fallbackReason is not null)
        {
            response.Parameters.Set(InferenceParameters.FallbackReason, fallbackReason);
        }
        return response;
    }

    /// <summary>
    /// The hub serving the device's own model: the version the request named, else the one the device's
    /// desired state names (the hub's newest may be one this device was rolled back from), else the hub's choice.
    /// </summary>
    private CloudTarget DeviceTarget(ModelInferRequest request) =>
        new(request.ModelName, request.ModelVersion is { Length: > 0 } named ? named : DesiredVersion(request.ModelName) ?? "");

    /// <summary>A cascade goes to Routing:Models:{name}:CascadeModel / CascadeVersion when set, else to the device's own model as above.</summary>
    private CloudTarget CascadeTarget(ModelInferRequest request, RoutingOptions options)
    {
        var routing = options.For(request.ModelName);
        if (routing?.CascadeModel is { Length: > 0 } other && other != request.ModelName)
        {
            return new CloudTarget(other, routing.CascadeVersion ?? "");
        }
        return routing?.CascadeVersion is { } version ? new CloudTarget(request.ModelName, version) : DeviceTarget(request);
    }

    private string? DesiredVersion(string model) =>
        _desired.Current?.Models.FirstOrDefault(m => m.Name == model)?.Version is { Length: > 0 } version ? version : null;

    private static string EffectivePolicy(ModelInferRequest request, RoutingOptions options) => request.Parameters.GetString(InferenceParameters.Route) switch
    {
        null or "" or "auto" => options.PolicyFor(request.ModelName),
        "local" => RoutePolicies.LocalOnly,
        "cloud" => RoutePolicies.CloudOnly,
        var other => throw InferenceException.Invalid($"parameter {InferenceParameters.Route} is '{other}'; expected auto, local or cloud"),
    };

    private bool TryLocal(string name, string? version, out ModelInstance instance)
    {
        try
        {
            instance = _host.Resolve(name, version);
            return true;
        }
        catch (InferenceException e) when (e.Error == InferenceError.NotFound)
        {
            instance = null!;
            return false;
        }
    }

    /// <summary>For a model with a confidence threshold: every row's top-1 probability must reach it.</summary>
    private static bool IsConfident(double? confidenceThreshold, ModelInferResponse response)
    {
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

    /// <summary>Which model and version (empty: the hub's choice) a forwarded request asks the hub for.</summary>
    private readonly record struct CloudTarget(string Model, string Version);
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
