using System.Globalization;
using EdgeAi.Hub.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Admin;

/// <summary>
/// Admin API bodies are small JSON (a token request, a deployment, a twin config), so <c>/api</c>
/// reads at most <c>Hub:MaxAdminRequestBytes</c> (1 MiB) instead of Kestrel's limit, which is sized
/// for inference requests (ModelHost:MaxRequestBytes, 64 MiB). A model push raises it again for its
/// own route (Hub:Registry:MaxArtifactBytes). A larger body is a 413 naming the limit.
/// </summary>
internal sealed class AdminBodyLimit(RequestDelegate next, IOptions<HubOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var max = options.Value.MaxAdminRequestBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max;
        }
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            await AdminResults.Problem(context, StatusCodes.Status413PayloadTooLarge, "Request body too large", string.Create(CultureInfo.InvariantCulture,
                $"the request body is over the admin API's limit of {max} bytes (Hub:MaxAdminRequestBytes); admin requests are small JSON documents")).ConfigureAwait(false);
        }
    }
}
