using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;

namespace EdgeAi.Agent.Cli;

/// <summary>A running agent refused a local call or could not be reached: one plain line for the user.</summary>
internal sealed class LocalApiCallException(string message) : Exception(message);

/// <summary>
/// The commands that talk to a running agent's local REST routes (<c>gpio</c>, <c>rules</c>): the <c>--url</c> of its REST
/// port, JSON documents read without typed views (trim-safe), and a refusal (problem+json) or an unreachable agent
/// turned into one line on stderr and exit code 1, never a stack trace.
/// </summary>
internal static class LocalApiClient
{
    public static Option<string> UrlOption() => new("--url")
    {
        Description = "REST address of the running agent (its Agent:HttpPort), not the gRPC port.",
        DefaultValueFactory = _ => "http://127.0.0.1:8000",
    };

    public static async Task<int> RunAsync(ParseResult parse, Option<string> url, Func<HttpClient, TextWriter, CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(action);
        if (!Uri.TryCreate(parse.GetRequiredValue(url), UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"edge-agent: --url '{parse.GetRequiredValue(url)}' must be an http:// address, e.g. http://127.0.0.1:8000").ConfigureAwait(false);
            return 1;
        }
        using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(11) }; // a fire may wait out the rule's timeout (at most 10 minutes)
        try
        {
            return await action(client, parse.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"edge-agent: cannot reach the agent at {address}: {e.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (LocalApiCallException e)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"edge-agent: {e.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    public static Task<JsonElement> GetAsync(HttpClient client, string path, CancellationToken cancellationToken) =>
        SendAsync(client, new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative)), cancellationToken);

    public static Task<JsonElement> PostAsync(HttpClient client, string path, CancellationToken cancellationToken) =>
        SendAsync(client, new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)), cancellationToken);

    public static Task<JsonElement> PutJsonAsync(HttpClient client, string path, string json, CancellationToken cancellationToken) =>
        SendAsync(client, new HttpRequestMessage(HttpMethod.Put, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(json, new MediaTypeHeaderValue("application/json")),
        }, cancellationToken);

    public static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>A property as text ("" when absent or null).</summary>
    public static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() ?? "",
            JsonValueKind.Null or JsonValueKind.Undefined => "",
            _ => value.GetRawText(),
        } : "";

    private static async Task<JsonElement> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            JsonElement? document = null;
            try
            {
                using var parsed = JsonDocument.Parse(body);
                document = parsed.RootElement.Clone();
            }
            catch (JsonException)
            {
                // Not JSON (a proxy, another server on that port): shown as it came.
            }
            if (response.IsSuccessStatusCode && document is { } ok)
            {
                return ok;
            }
            var detail = document is { ValueKind: JsonValueKind.Object } problem && problem.TryGetProperty("detail", out var d) && d.GetString() is { } text ? text : body;
            throw new LocalApiCallException(response.IsSuccessStatusCode
                ? $"the agent at {client.BaseAddress} answered {request.Method} {request.RequestUri} with something that is not JSON: {Shorten(body)}"
                : $"the agent refused ({(int)response.StatusCode} {response.ReasonPhrase}): {Shorten(detail)}");
        }
    }

    private static string Shorten(string text) => text.Length <= 500 ? text : text[..500] + "…";
}
