using EdgeAi.Agent.Cloud;
using EdgeAi.Agent.SyncDown;
using EdgeAi.Agent.Tracing;
using EdgeAi.Common.Inference;
using EdgeAi.Serving;
using EdgeAi.Serving.Protocol;
using EdgeAi.Serving.Runtime;
using EdgeAi.Serving.Store;
using EdgeAi.Serving.Tracing;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Routing;

/// <summary>
/// Serves each request where <see cref="RouteRules"/> decides: the device or the hub. Local-first (the
/// default) serves locally and escalates to the hub when the model is not installed, is not ready or
/// fails, its queue is too deep, the deadline cannot be met at recent local latency, or a classifier is
/// not confident enough. The router gathers what the rules need (the device's copy, its recent latency,
/// the clock) and carries the decision out. Every response says who served it, and why the hub did when
/// it did. Policies and thresholds are read per request, so a change from the hub's desired state
/// applies at once. A request the hub serves for the device's own model, without a version, asks for
/// the version the device's desired state names, so the device and its fallback answer alike after a rollback.
/// </summary>
internal sealed class Router(
    ModelHost host, ModelLoader loader, CloudClient cloud, IOptionsMonitor<RoutingOptions> routing, LatencyTracker latency, DesiredStateStore desired, TimeProvider time)
    : IInferenceBackend
{
    public bool IsReady => loader.InitialLoadDone;

    /// <summary>A model only the hub has is ready when the hub answers for it; one the hub does not have either is NotFound.</summary>
    public async Task<bool> IsModelReadyAsync(string name, string? version, CancellationToken cancellationToken)
    {
        if (TryLocal(name, version, out var instance))
        {
            return instance.State == ModelState.Ready;
        }
        if (!cloud.Enabled)
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
        TryLocal(name, version, out _) || !cloud.Enabled
            ? Task.FromResult(host.GetMetadata(name, version))
            : HubMetadataAsync(name, version, cancellationToken);

    /// <summary>The hub's metadata for a model the device does not have: NotFound when the hub has none either, Unavailable only for a real outage.</summary>
    private async Task<ModelMetadataResponse> HubMetadataAsync(string name, string? version, CancellationToken cancellationToken)
    {
        try
        {
            return await cloud.MetadataAsync(name, version, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Routes under a span of its own: the decision, where it was served and why the hub served it are its tags.</summary>
    public async Task<ModelInferResponse> InferAsync(ModelInferRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var activity = AgentActivities.StartRoute(request.ModelName, request.Parameters.GetString(InferenceParameters.Route));
        try
        {
            var response = await RouteAsync(request, activity, cancellationToken).ConfigureAwait(false);
            activity?.SetTag(TraceTags.Route, response.Parameters.GetString(InferenceParameters.ServedBy));
            activity?.SetTag(TraceTags.FallbackReason, response.Parameters.GetString(InferenceParameters.FallbackReason));
            activity?.SetTag(TraceTags.ModelVersion, response.ModelVersion);
            return response;
        }
        catch (Exception e)
        {
            activity.Failed(e);
            throw;
        }
    }

    private async Task<ModelInferResponse> RouteAsync(ModelInferRequest request, System.Diagnostics.Activity? activity, CancellationToken cancellationToken)
    {
        var options = routing.CurrentValue;
        var decision = RouteRules.Decide(
            new RouteInputs(
                request.ModelName,
                request.Parameters.GetString(InferenceParameters.Route),
                request.Parameters.GetDeadline(),
                time.GetUtcNow(),
                TryLocal(request.ModelName, request.ModelVersion, out var instance) ? LocalModel.Of(instance) : null,
                latency.EstimateMs(request.ModelName),
                cloud.Enabled),
            options);
        var deadline = decision.Deadline;
        activity?.SetTag(TraceTags.RouteDecision, decision.Kind.Name());
        activity?.SetTag(TraceTags.FallbackReason, decision.FallbackReason);
        switch (decision.Kind)
        {
            case RouteKind.Local:
                return await LocalAsync(request, cancellationToken).ConfigureAwait(false);
            case RouteKind.Cloud:
                return await CloudOnlyAsync(request, deadline, cancellationToken).ConfigureAwait(false);
            case RouteKind.CloudFirst:
                try
                {
                    return await CloudAsync(request, DeviceTarget(request), deadline, fallbackReason: null, cancellationToken).ConfigureAwait(false);
                }
                catch (CloudUnavailableException)
                {
                    return await LocalAsync(request, cancellationToken).ConfigureAwait(false);
                }
            case RouteKind.Escalate:
                return await EscalateAsync(request, deadline, decision.FallbackReason!, decision.LocalProblem!, cancellationToken).ConfigureAwait(false);
            default:
                return await LocalFirstAsync(request, options, deadline, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The device answers unless its run fails (then the hub, <c>local_failure</c>) or it is unsure (then the cascade, <c>low_confidence</c>).</summary>
    private async Task<ModelInferResponse> LocalFirstAsync(ModelInferRequest request, RoutingOptions options, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        ModelInferResponse local;
        try
        {
            local = await LocalAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (InferenceException e) when (RouteRules.EscalatesLocalFailure(e.Error))
        {
            return await EscalateAsync(request, deadline, FallbackReasons.LocalFailure, e.Message, cancellationToken).ConfigureAwait(false);
        }
        if (RouteRules.IsConfident(options.ConfidenceThresholdFor(request.ModelName), local))
        {
            return local;
        }
        var cascade = RouteRules.CascadeTarget(request.ModelName, request.ModelVersion, DesiredVersion(request.ModelName), options);
        try
        {
            return await CloudAsync(request, cascade, deadline, FallbackReasons.LowConfidence, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CloudUnavailableException or InferenceException)
        {
            // The device's answer is unsure, but it is still an answer: better than none.
            local.Parameters.Set("edgeai.cloud_error", e.Message);
            return local;
        }
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
        var started = time.GetTimestamp();
        var response = await host.InferAsync(request, cancellationToken).ConfigureAwait(false);
        latency.Record(request.ModelName, time.GetElapsedTime(started));
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
        if (RouteRules.HubBudget(request.ModelName, deadline, time.GetUtcNow()) is { } remaining)
        {
            forwarded.Parameters.SetDeadline(remaining);
        }
        var response = await cloud.InferAsync(forwarded, deadline, cancellationToken).ConfigureAwait(false);
        response.Parameters.Set(InferenceParameters.ServedBy, InferenceParameters.ServedCloud);
        if (fallbackReason is not null)
        {
            response.Parameters.Set(InferenceParameters.FallbackReason, fallbackReason);
        }
        return response;
    }

    private CloudTarget DeviceTarget(ModelInferRequest request) =>
        RouteRules.DeviceTarget(request.ModelName, request.ModelVersion, DesiredVersion(request.ModelName));

    private string? DesiredVersion(string model) =>
        desired.Current?.Models.FirstOrDefault(m => m.Name == model)?.Version is { Length: > 0 } version ? version : null;

    private bool TryLocal(string name, string? version, out ModelInstance instance)
    {
        try
        {
            instance = host.Resolve(name, version);
            return true;
        }
        catch (InferenceException e) when (e.Error == InferenceError.NotFound)
        {
            instance = null!;
            return false;
        }
    }
}
