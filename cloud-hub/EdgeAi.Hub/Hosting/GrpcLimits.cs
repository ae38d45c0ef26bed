using System.Globalization;
using EdgeAi.Hub.Fleet;
using EdgeAi.Serving.Runtime;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Hosting;

/// <summary>
/// gRPC calls are bounded per message (ModelHost:MaxRequestBytes for inference, the fleet service's
/// small fixed limit), not by Kestrel's request body limit: for a unary call gRPC leaves that limit
/// on, and a body read past it fails the call as UNKNOWN "Exception was thrown by handler" before
/// gRPC has looked at the message length. So the body limit is lifted for gRPC requests here, before
/// anything reads them; what Kestrel buffers meanwhile stays within HTTP/2 flow control. gRPC then
/// refuses an oversized message with RESOURCE_EXHAUSTED and a generic "exceeds the maximum
/// configured message size", which this replaces with the limit and the setting that sets it.
/// </summary>
internal sealed class GrpcLimits(RequestDelegate next, IOptions<ModelHostOptions> host)
{
    private const string GrpcMessage = "grpc-message";

    // What Grpc.AspNetCore sends; matched exactly, so any other RESOURCE_EXHAUSTED keeps its own words.
    private const string Generic = "Received message exceeds the maximum configured message size.";

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = null;
        }
        await next(context).ConfigureAwait(false);
        // Trailers-only answers carry the status in the headers, others in the trailers. Printable ASCII without "%": no percent-encoding needed.
        if (!context.Response.HasStarted && context.Response.Headers[GrpcMessage] == Generic)
        {
            context.Response.Headers[GrpcMessage] = Detail(context);
        }
        else if (context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { IsReadOnly: false } trailers && trailers[GrpcMessage] == Generic)
        {
            trailers[GrpcMessage] = Detail(context);
        }
    }

    private string Detail(HttpContext context) => context.Request.Path.StartsWithSegments("/edgeai.fleet.v1.Fleet", StringComparison.Ordinal)
        ? string.Create(CultureInfo.InvariantCulture, $"request message is over the fleet service's limit of {FleetService.MaxRequestBytes} bytes (enrollment and download requests are small)")
        : string.Create(CultureInfo.InvariantCulture, $"request message is over the hub's limit of {host.Value.MaxRequestBytes} bytes (ModelHost:MaxRequestBytes)");
}
