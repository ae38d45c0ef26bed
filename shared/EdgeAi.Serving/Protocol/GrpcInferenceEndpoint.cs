using EdgeAi.Common.Inference;
using EdgeAi.Serving.SharedMemory;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace EdgeAi.Serving.Protocol;

/// <summary>
/// The Open Inference Protocol gRPC service over an <see cref="IInferenceBackend"/>. Bound through
/// <see cref="ParseErrorBinder"/>, so a request that is not a valid message gets a status that says so.
/// </summary>
[BindServiceMethod(typeof(GrpcInferenceEndpoint), nameof(BindService))]
public sealed partial class GrpcInferenceEndpoint : GRPCInferenceService.GRPCInferenceServiceBase
{
    private readonly IInferenceBackend _backend;
    private readonly ServerIdentity _server;
    private readonly IReadOnlyList<string> _extensions;
    private readonly TimeProvider _time;
    private readonly ILogger<GrpcInferenceEndpoint> _logger;

    public GrpcInferenceEndpoint(
        IInferenceBackend backend, ServerIdentity server, IEnumerable<ProtocolExtension> extensions, TimeProvider time, ILogger<GrpcInferenceEndpoint> logger)
    {
        _backend = backend;
        _server = server;
        _extensions = ProtocolExtension.Names(extensions);
        _time = time;
        _logger = logger;
    }

    /// <summary>Called by grpc-dotnet (found through the attribute): the generated binding, with parse errors answered.</summary>
    public static void BindService(ServiceBinderBase binder, GRPCInferenceService.GRPCInferenceServiceBase? service) =>
        GRPCInferenceService.BindService(new ParseErrorBinder(binder), service);

    public override Task<ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerLiveResponse { Live = true });

    public override Task<ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new ServerReadyResponse { Ready = _backend.IsReady });

    public override Task<ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context)
    {
        var response = new ServerMetadataResponse { Name = _server.Name, Version = _server.Version };
        response.Extensions.AddRange(_extensions);
        return Task.FromResult(response);
    }

    public override Task<ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context) =>
        Guard(async () => new ModelReadyResponse
        {
            Ready = await _backend.IsModelReadyAsync(request.Name, EmptyAsNull(request.Version), context.CancellationToken).ConfigureAwait(false),
        });

    public override Task<ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context) =>
        Guard(() => _backend.GetModelMetadataAsync(request.Name, EmptyAsNull(request.Version), context.CancellationToken));

    public override Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        return Guard(() =>
        {
            // A gRPC deadline becomes the protocol's own deadline parameter, so routing and batching see one notion of it.
            if (context.Deadline != DateTime.MaxValue && !request.Parameters.ContainsKey(InferenceParameters.DeadlineMs))
            {
                var remaining = context.Deadline - _time.GetUtcNow().UtcDateTime;
                if (remaining <= TimeSpan.Zero)
                {
                    // Passed already: a real deadline, not a bad parameter (which a budget of 0 would be).
                    throw new InferenceException(InferenceError.DeadlineExceeded, "the call's deadline passed before it could run; it was not run");
                }
                request.Parameters.SetDeadline(remaining);
            }
            return SharedMemoryInference.InferAsync(_backend, SharedMemory(context), request, context.CancellationToken);
        });
    }

    private async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (InferenceException e)
        {
            throw new RpcException(new Status(e.GrpcStatus, e.Message));
        }
        catch (OperationCanceledException)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "the call was cancelled"));
        }
        catch (Exception e) when (e is not RpcException)
        {
            ProtocolLog.UnexpectedError(_logger, e);
            throw new RpcException(new Status(StatusCode.Internal, $"internal error: {e.GetType().Name}: {e.Message}"));
        }
    }

    private static string? EmptyAsNull(string value) => string.IsNullOrEmpty(value) ? null : value;
}
