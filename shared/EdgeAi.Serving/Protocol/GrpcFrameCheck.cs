using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Pipelines;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace EdgeAi.Serving.Protocol;

/// <summary>
/// Looks at the 5-byte header of a gRPC request's first message before grpc-dotnet reads it, so the
/// caller's mistakes get the status gRPC's table gives them instead of UNKNOWN "Exception was thrown
/// by handler": a compressed flag other than 0 or 1 is INTERNAL "cannot parse the request"; a length
/// over the service's <see cref="GrpcMessageLimits"/> is RESOURCE_EXHAUSTED naming the limit and what
/// sets it. Nothing is consumed: grpc-dotnet then reads the same bytes.
/// gRPC requests are bounded per message, not by Kestrel's request body limit: for a unary call
/// grpc-dotnet leaves that limit on, and a body read past it fails as UNKNOWN before the message length
/// is looked at, so it is lifted here (what Kestrel buffers stays within HTTP/2 flow control).
/// </summary>
public sealed class GrpcFrameCheck(RequestDelegate next, IOptions<GrpcMessageLimits> limits)
{
    private const int HeaderSize = 5;

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) != true
            || !HttpMethods.IsPost(context.Request.Method))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = null;
        }
        var reader = context.Request.BodyReader;
        ReadResult read;
        try
        {
            read = await reader.ReadAtLeastAsync(HeaderSize, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // The body cannot be read (the caller went away, or its framing is broken): grpc-dotnet meets and reports the same.
            await next(context).ConfigureAwait(false);
            return;
        }
        var problem = read.Buffer.Length >= HeaderSize ? Check(read.Buffer.Slice(0, HeaderSize), limits.Value.For(context.Request.Path.Value ?? "")) : null;
        reader.AdvanceTo(read.Buffer.Start);
        if (problem is not { } refusal)
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        // A trailers-only response, as grpc-dotnet writes for an error before any message.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = ((int)refusal.Code).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = GrpcStatusMessage.Encode(refusal.Message);
    }

    private static (StatusCode Code, string Message)? Check(ReadOnlySequence<byte> header, GrpcMessageLimit limit)
    {
        Span<byte> bytes = stackalloc byte[HeaderSize];
        header.CopyTo(bytes);
        if (bytes[0] > 1)
        {
            return (StatusCode.Internal, $"{ParseErrorBinder.Message}: the message's compressed flag is {bytes[0]}; gRPC allows 0 (plain) or 1 (compressed)");
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]);
        return length > (uint)limit.Bytes
            ? (StatusCode.ResourceExhausted, $"the request message is {length} bytes, over the limit of {limit.Bytes} bytes ({limit.Source})")
            : null;
    }
}
