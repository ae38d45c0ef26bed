using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Pipelines;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeAi.Serving.Protocol;

/// <summary>
/// Looks at the 5-byte header of a gRPC request's first message before grpc-dotnet reads it. grpc-dotnet
/// meets a compressed flag other than 0 or 1, or a length past int.MaxValue, with an exception in its
/// reader, which it answers UNKNOWN "Exception was thrown by handler"; here they are answered as gRPC's
/// status table has it: INTERNAL "cannot parse the request" and RESOURCE_EXHAUSTED naming the limit.
/// Nothing is consumed: grpc-dotnet then reads the same bytes.
/// </summary>
public sealed class GrpcFrameCheck(RequestDelegate next, IOptions<GrpcServiceOptions> options)
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
        var problem = read.Buffer.Length >= HeaderSize ? Check(read.Buffer.Slice(0, HeaderSize)) : null;
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
        context.Response.Headers["grpc-message"] = Uri.EscapeDataString(refusal.Message);
    }

    private (StatusCode Code, string Message)? Check(ReadOnlySequence<byte> header)
    {
        Span<byte> bytes = stackalloc byte[HeaderSize];
        header.CopyTo(bytes);
        if (bytes[0] > 1)
        {
            return (StatusCode.Internal, $"{ParseErrorBinder.Message}: the message's compressed flag is {bytes[0]}; gRPC allows 0 (plain) or 1 (compressed)");
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]);
        var limit = options.Value.MaxReceiveMessageSize;
        return limit is { } max && length > (uint)max
            ? (StatusCode.ResourceExhausted, $"the request message is {length} bytes, over the limit of {max} bytes (ModelHost:MaxRequestBytes)")
            : null;
    }
}
