using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace EdgeAi.Hub.Http;

/// <summary>
/// A JSON request body as a handler parameter, bound through the room's source-generated context
/// (the HTTP JSON options). Read from the request stream rather than [FromBody]'s pipe reader: there,
/// System.Text.Json (.NET 10.0) answers a body cut off at the size limit with an InvalidOperationException
/// that hides Kestrel's 413. A body that is not the expected JSON (empty included) is a
/// <see cref="BadHttpRequestException"/> carrying the <see cref="JsonException"/>, which
/// <see cref="BadRequestProblems"/> answers; the JSON literal null binds as a null <see cref="Value"/>.
/// </summary>
internal sealed record JsonBody<T>(T? Value)
    where T : class
{
    public static async ValueTask<JsonBody<T>?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var type = (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
        try
        {
            return new JsonBody<T>(await JsonSerializer.DeserializeAsync(context.Request.Body, type, context.RequestAborted).ConfigureAwait(false));
        }
        catch (JsonException e)
        {
            throw new BadHttpRequestException($"the body is not the expected {typeof(T).Name}", StatusCodes.Status400BadRequest, e);
        }
    }
}
