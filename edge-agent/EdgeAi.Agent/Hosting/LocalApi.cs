using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Hosting;

/// <summary>A local REST request refused: the status and a detail naming what was wrong and what was expected.</summary>
internal sealed class LocalApiException(int status, string detail) : Exception(detail)
{
    public int Status { get; } = status;
}

/// <summary>
/// The agent's own local REST routes (GPIO, rules) answer as the protocol's routes do: JSON written through
/// source-generated metadata (trim-safe), refusals as <c>application/problem+json</c> (type, title, status,
/// detail) that name what was wrong. Bodies are small JSON documents read with a size limit.
/// </summary>
internal static class LocalApi
{
    /// <summary>Largest body a local route reads.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    public static async Task JsonAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> type)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted).ConfigureAwait(false);
    }

    public static async Task ProblemAsync(HttpContext context, int status, string detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Response.HasStarted)
        {
            return;
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        var writer = new Utf8JsonWriter(context.Response.Body);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartObject();
            writer.WriteString("type", $"https://httpstatuses.io/{status}");
            writer.WriteString("title", Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error");
            writer.WriteNumber("status", status);
            writer.WriteString("detail", detail);
            writer.WriteEndObject();
        }
    }

    /// <summary>
    /// Refuses (403) a request that changes the device — a pin written or pulsed, a rule fired — from a caller on
    /// another machine, unless Agent:AllowRemoteControl is set. The routes have no credentials of their own: what
    /// keeps them local is the loopback, and an agent listening on the network for inference must not hand its
    /// relays to the network too.
    /// </summary>
    public static void RequireLocalControl(HttpContext context, string what)
    {
        ArgumentNullException.ThrowIfNull(context);
        var allowed = context.RequestServices.GetRequiredService<IOptions<AgentOptions>>().Value.AllowRemoteControl;
        if (!IsLocalControl(context.Connection.RemoteIpAddress, allowed))
        {
            throw new LocalApiException(
                StatusCodes.Status403Forbidden,
                $"{what} is taken only from this machine (the call came from {context.Connection.RemoteIpAddress}); set Agent:AllowRemoteControl=true to take it from the network");
        }
    }

    /// <summary>Whether a caller at <paramref name="remote"/> may change the device (no address: an in-process call, or a caller on the agent's Unix socket, which only this machine can reach).</summary>
    internal static bool IsLocalControl(IPAddress? remote, bool allowRemote) =>
        allowRemote || remote is null || IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote);

    /// <summary>The request's JSON body (an object), or null when it has none; a body that is too large or not JSON is refused naming the problem.</summary>
    public static async Task<JsonElement?> ReadJsonAsync(HttpContext context, string example)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            throw new LocalApiException(StatusCodes.Status413PayloadTooLarge, $"the body is {context.Request.ContentLength} bytes; at most {MaxBodyBytes} are read");
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        try
        {
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > MaxBodyBytes)
                {
                    throw new LocalApiException(StatusCodes.Status413PayloadTooLarge, $"the body is over {MaxBodyBytes} bytes");
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (IOException e) when (!context.RequestAborted.IsCancellationRequested)
        {
            throw new LocalApiException(StatusCodes.Status400BadRequest, $"the body cannot be read: {e.Message}");
        }
        if (buffer.Length == 0)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray());
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.Clone()
                : throw new LocalApiException(StatusCodes.Status400BadRequest, $"the body must be a JSON object, e.g. {example}; got {document.RootElement.ValueKind}");
        }
        catch (JsonException e)
        {
            throw new LocalApiException(StatusCodes.Status400BadRequest, $"the body is not valid JSON ({e.Message}); expected e.g. {example}");
        }
    }
}
