using EdgeAi.Agent.Tracing;
using EdgeAi.Common.Inference;
using EdgeAi.Serving;
using EdgeAi.Serving.Tracing;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace EdgeAi.Agent.Cloud;

/// <summary>
/// The agent's way to the hub for inference: the shared <see cref="HubChannel"/>, and one Polly
/// pipeline around every call (retry with jitter for transient failures → circuit breaker →
/// per-attempt timeout). While the circuit is open a call fails at once, so the router never waits
/// on a hub that is down. The breaker counts only outcomes that say the hub is unwell
/// (<see cref="HubOutcomes.IsHubUnwell"/>), never answers caused by a caller's input.
/// </summary>
internal sealed class CloudClient
{
    private readonly CloudOptions _options;
    private readonly GRPCInferenceService.GRPCInferenceServiceClient? _client;
    private readonly ResiliencePipeline _pipeline;
    private readonly Metadata _headers;
    private readonly Uri? _hubUrl;

    public CloudClient(IOptions<CloudOptions> options, HubChannel hub, TimeProvider time, ILogger<CloudClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hub);
        _options = options.Value;
        _hubUrl = Uri.TryCreate(_options.HubUrl, UriKind.Absolute, out var url) ? url : null;
        _headers = hub.Headers;
        if (hub.Channel is not null)
        {
            _client = new GRPCInferenceService.GRPCInferenceServiceClient(hub.Channel);
        }

        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (_options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(HubOutcomes.IsTransient),
                MaxRetryAttempts = _options.MaxRetries,
                Delay = _options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        }
        _pipeline = builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(HubOutcomes.IsHubUnwell),
                FailureRatio = _options.FailureRatio,
                MinimumThroughput = _options.MinimumThroughput,
                SamplingDuration = _options.SamplingDuration,
                BreakDuration = _options.BreakDuration,
                OnOpened = args =>
                {
                    CloudLog.CircuitOpened(logger, args.BreakDuration.TotalSeconds, args.Outcome.Exception?.Message ?? "failure");
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    CloudLog.CircuitClosed(logger);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(_options.AttemptTimeout)
            .Build();
    }

    public bool Enabled => _client is not null;

    /// <summary>
    /// Sends the request to the hub. Throws <see cref="CloudUnavailableException"/> when the hub cannot
    /// be reached or the circuit is open, and <see cref="InferenceException"/> for the hub's own answers
    /// (not found, invalid argument, ...).
    /// </summary>
    public async Task<ModelInferResponse> InferAsync(ModelInferRequest request, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        var client = _client ?? throw new CloudUnavailableException("no hub configured (Cloud:HubUrl)");
        ArgumentNullException.ThrowIfNull(request);
        return await CallAsync(
            "ModelInfer",
            request.ModelName,
            (c, ct) => c.ModelInferAsync(request, new CallOptions(_headers, deadline?.UtcDateTime, ct)).ResponseAsync,
            client,
            cancellationToken).ConfigureAwait(false);
    }

    public Task<ModelMetadataResponse> MetadataAsync(string name, string? version, CancellationToken cancellationToken)
    {
        var client = _client ?? throw new CloudUnavailableException("no hub configured (Cloud:HubUrl)");
        return CallAsync(
            "ModelMetadata",
            name,
            (c, ct) => c.ModelMetadataAsync(new ModelMetadataRequest { Name = name, Version = version ?? string.Empty }, new CallOptions(_headers, null, ct)).ResponseAsync,
            client,
            cancellationToken);
    }

    /// <summary>
    /// One call through the pipeline, under a client span: each attempt's HTTP/2 request is its child, and the
    /// channel's handler sends that request's W3C traceparent, so the hub's spans join the device's trace.
    /// </summary>
    private async Task<T> CallAsync<T>(
        string method,
        string model,
        Func<GRPCInferenceService.GRPCInferenceServiceClient, CancellationToken, Task<T>> call,
        GRPCInferenceService.GRPCInferenceServiceClient client,
        CancellationToken cancellationToken)
    {
        using var activity = AgentActivities.StartHubCall(method, model, _hubUrl);
        try
        {
            return await CallCoreAsync(call, client, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            activity.Failed(e);
            throw;
        }
    }

    private async Task<T> CallCoreAsync<T>(
        Func<GRPCInferenceService.GRPCInferenceServiceClient, CancellationToken, Task<T>> call,
        GRPCInferenceService.GRPCInferenceServiceClient client,
        CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(
                async ct =>
                {
                    try
                    {
                        return await call(client, ct).ConfigureAwait(false);
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && ct.IsCancellationRequested)
                    {
                        // Grpc.Net.Client reports its token's cancellation as CANCELLED, which Polly's timeout does
                        // not recognise: an attempt that ran out of time came back as "Call canceled by the client",
                        // neither retried nor counted by the breaker. As an OperationCanceledException it is a timeout.
                        throw new OperationCanceledException(e.Status.Detail, e, ct);
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller's own cancellation (the local client went away), as before.
            throw new InferenceException(InferenceError.Cancelled, "hub: the call was cancelled by its caller");
        }
        catch (BrokenCircuitException)
        {
            throw new CloudUnavailableException("hub circuit is open after recent failures; not waiting on it");
        }
        catch (TimeoutRejectedException)
        {
            throw new CloudUnavailableException($"hub did not answer within {_options.AttemptTimeout.TotalMilliseconds:0} ms");
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            // The hub is up; it refuses this device. Not counted against the hub, but said plainly: it needs an operator.
            throw new CloudUnavailableException($"hub {e.StatusCode}: the hub refused this device's credentials (Cloud:DeviceKey; revoked or re-enrolled?): {e.Status.Detail}");
        }
        catch (RpcException e) when (HubOutcomes.IsCannotServe(e.StatusCode))
        {
            throw new CloudUnavailableException($"hub {e.StatusCode}: {e.Status.Detail}");
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded && string.IsNullOrEmpty(e.Status.Detail))
        {
            throw new InferenceException(InferenceError.DeadlineExceeded, "hub did not answer within the request's deadline");
        }
        catch (RpcException e)
        {
            throw new InferenceException(ToError(e.StatusCode), $"hub: {e.Status.Detail}");
        }
    }

    private static InferenceError ToError(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange or StatusCode.FailedPrecondition or StatusCode.AlreadyExists => InferenceError.InvalidArgument,
        StatusCode.NotFound => InferenceError.NotFound,
        StatusCode.ResourceExhausted => InferenceError.ResourceExhausted,
        StatusCode.DeadlineExceeded => InferenceError.DeadlineExceeded,
        StatusCode.Cancelled => InferenceError.Cancelled,
        _ => InferenceError.Unavailable,
    };
}

/// <summary>Cloud client log messages; event ids 2100-2199.</summary>
internal static partial class CloudLog
{
    [LoggerMessage(2100, LogLevel.Warning, "Hub circuit opened for {Seconds} s after: {Reason}; requests will not wait on the hub")]
    public static partial void CircuitOpened(ILogger logger, double seconds, string reason);

    [LoggerMessage(2101, LogLevel.Information, "Hub circuit closed: the hub answers again")]
    public static partial void CircuitClosed(ILogger logger);
}

/// <summary>The hub could not serve: unreachable, failing, circuit open, or refusing this device.</summary>
internal sealed class CloudUnavailableException : Exception
{
    public CloudUnavailableException(string message)
        : base(message)
    {
    }

    public CloudUnavailableException()
    {
    }

    public CloudUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
