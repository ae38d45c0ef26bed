using Grpc.Core;
using Polly.Timeout;

namespace EdgeAi.Agent.Cloud;

/// <summary>
/// What a failed call to the hub says about the hub. The circuit breaker exists so that requests stop
/// waiting on a hub that cannot answer; it must count only outcomes that say so, never ones a caller
/// can provoke with its own input — otherwise one local app sending bad requests would cut off cloud
/// fallback for every app on the device.
/// </summary>
internal static class HubOutcomes
{
    /// <summary>The trailer an overloaded gRPC server sends to say when to come back (gRFC A6, server pushback).</summary>
    public const string PushbackTrailer = "grpc-retry-pushback-ms";

    /// <summary>
    /// Whether the breaker counts this outcome as the hub being unwell:
    /// <list type="bullet">
    /// <item>UNAVAILABLE (unreachable, refusing connections, shutting down) and an attempt that timed out: yes;</item>
    /// <item>RESOURCE_EXHAUSTED: only as overload, which a server says with <see cref="PushbackTrailer"/>; without it, it is
    /// a message or tensor over a size limit: the caller's input;</item>
    /// <item>INVALID_ARGUMENT, NOT_FOUND, OUT_OF_RANGE, FAILED_PRECONDITION, ALREADY_EXISTS, DEADLINE_EXCEEDED (the caller's own
    /// budget), CANCELLED: answers about the request, never;</item>
    /// <item>UNAUTHENTICATED, PERMISSION_DENIED: this device's credentials, not the hub's health: never (the router reports them);</item>
    /// <item>INTERNAL, UNKNOWN, DATA_LOSS, ABORTED, UNIMPLEMENTED: never. They arrive as prompt answers, so nobody waits on
    /// the hub, which is what the breaker prevents; and a request the protocol accepts can still fail inside a model
    /// at run time, so a caller could provoke them. They still make the router treat the hub as unable to serve the request.</item>
    /// </list>
    /// </summary>
    public static bool IsHubUnwell(Exception outcome) => outcome switch
    {
        TimeoutRejectedException => true,
        RpcException { StatusCode: StatusCode.Unavailable } => true,
        RpcException { StatusCode: StatusCode.ResourceExhausted } e => IsOverload(e),
        _ => false,
    };

    /// <summary>Worth another attempt: the hub may answer the same request next time.</summary>
    public static bool IsTransient(Exception outcome) => outcome switch
    {
        TimeoutRejectedException => true,
        RpcException { StatusCode: StatusCode.Unavailable or StatusCode.Aborted } => true,
        _ => false,
    };

    /// <summary>
    /// The hub could not serve the request at all (as opposed to answering it with an error about the request):
    /// the router then serves locally where it can, or says neither side could.
    /// </summary>
    public static bool IsCannotServe(StatusCode code) => code is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown
        or StatusCode.DataLoss or StatusCode.Aborted or StatusCode.Unimplemented or StatusCode.Unauthenticated or StatusCode.PermissionDenied;

    private static bool IsOverload(RpcException e) => e.Trailers.Get(PushbackTrailer) is not null;
}
