using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace EdgeAi.Serving;

/// <summary>What went wrong with an inference call, in terms both gRPC and HTTP callers understand.</summary>
public enum InferenceError
{
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    Unavailable,
    DeadlineExceeded,
    Cancelled,
    Internal,

    /// <summary>
    /// The model could not compute this request although it passed every protocol check: one of its
    /// operators refused the values or shapes (e.g. Add with row counts that do not broadcast). The
    /// caller's to fix, so it is answered INVALID_ARGUMENT; a router may still try another copy of the
    /// model, which may accept it.
    /// </summary>
    ModelRejected,

    /// <summary>What the call would create exists already (a shared-memory region name taken).</summary>
    AlreadyExists,

    /// <summary>
    /// The caller may not do this: a shared-memory object private to another user, or a device key asking the hub
    /// to unload a model. PERMISSION_DENIED, 403.
    /// </summary>
    PermissionDenied,
}

/// <summary>
/// An error the caller can act on. The message names what was wrong and what was expected; it is
/// sent to the client as is, so it must never carry secrets or stack traces.
/// </summary>
public sealed class InferenceException : Exception
{
    public InferenceException(InferenceError error, string message)
        : base(message) => Error = error;

    public InferenceException(InferenceError error, string message, Exception innerException)
        : base(message, innerException) => Error = error;

    public InferenceException()
        : this(InferenceError.Internal, "inference failed")
    {
    }

    public InferenceException(string message)
        : this(InferenceError.Internal, message)
    {
    }

    public InferenceException(string message, Exception innerException)
        : this(InferenceError.Internal, message, innerException)
    {
    }

    public InferenceError Error { get; }

    public static InferenceException Invalid(string message) => new(InferenceError.InvalidArgument, message);

    public StatusCode GrpcStatus => Error switch
    {
        InferenceError.InvalidArgument or InferenceError.ModelRejected => StatusCode.InvalidArgument,
        InferenceError.NotFound => StatusCode.NotFound,
        InferenceError.ResourceExhausted => StatusCode.ResourceExhausted,
        InferenceError.Unavailable => StatusCode.Unavailable,
        InferenceError.DeadlineExceeded => StatusCode.DeadlineExceeded,
        InferenceError.Cancelled => StatusCode.Cancelled,
        InferenceError.AlreadyExists => StatusCode.AlreadyExists,
        InferenceError.PermissionDenied => StatusCode.PermissionDenied,
        _ => StatusCode.Internal,
    };

    public int HttpStatus => Error switch
    {
        InferenceError.InvalidArgument or InferenceError.ModelRejected => StatusCodes.Status400BadRequest,
        InferenceError.NotFound => StatusCodes.Status404NotFound,
        InferenceError.ResourceExhausted => StatusCodes.Status413PayloadTooLarge,
        InferenceError.Unavailable => StatusCodes.Status503ServiceUnavailable,
        InferenceError.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        InferenceError.Cancelled => StatusCodes.Status499ClientClosedRequest,
        InferenceError.AlreadyExists => StatusCodes.Status409Conflict,
        InferenceError.PermissionDenied => StatusCodes.Status403Forbidden,
        _ => StatusCodes.Status500InternalServerError,
    };
}
