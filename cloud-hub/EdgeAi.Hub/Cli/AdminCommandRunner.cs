using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EdgeAi.Hub.Cli;

/// <summary>
/// Runs one admin command against the hub's REST API: connects, turns a refusal (problem+json) or
/// an unreachable hub into one plain line on stderr and exit code 1, never a stack trace.
/// </summary>
internal static class AdminCommandRunner
{
    public static async Task<int> RunAsync(ParseResult parse, Func<HttpClient, TextWriter, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(action);
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        try
        {
            var (client, trust) = AdminConnection.Create(parse);
            using (client)
            {
                try
                {
                    await action(client, output, cancellationToken).ConfigureAwait(false);
                    return 0;
                }
                catch (HttpRequestException) when (trust.LastRefusal is { } refusal)
                {
                    throw new AdminCommandException(
                        $"the hub at {client.BaseAddress} answered, but its certificate was refused: {refusal} (pass --ca-cert with the hub's hub-ca.crt, or the hub's --data-dir)");
                }
                catch (HttpRequestException e)
                {
                    var why = e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{e.Message} ({inner.Message})" : e.Message;
                    throw new AdminCommandException($"cannot reach the hub at {client.BaseAddress}: {why}");
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            await error.WriteLineAsync($"cloud-hub: cannot read the hub's certificate (--ca-cert): {e.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (AdminCommandException e)
        {
            await error.WriteLineAsync($"cloud-hub: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>Sends the request; a non-success answer becomes an <see cref="AdminCommandException"/> with the hub's own explanation.</summary>
    public static async Task<T> SendAsync<T>(HttpClient client, HttpRequestMessage request, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false)
            ?? throw new AdminCommandException($"the hub answered {request.Method} {request.RequestUri} with an empty body");
    }

    public static async Task<JsonElement> GetJsonAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var document = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
            return document.RootElement.Clone();
        }
    }

    /// <summary>A refusal becomes an <see cref="AdminCommandException"/> with the hub's own explanation (problem+json detail, else the body).</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var detail = body;
        try
        {
            using var problem = JsonDocument.Parse(body);
            if (problem.RootElement.ValueKind == JsonValueKind.Object && problem.RootElement.TryGetProperty("detail", out var d) && d.GetString() is { } text)
            {
                detail = text;
            }
        }
        catch (JsonException)
        {
            // Not problem+json (a proxy, an old hub): show the body as it came.
        }
        throw new AdminCommandException($"the hub refused ({(int)response.StatusCode} {response.ReasonPhrase}): {detail}");
    }
}
