using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeAi.Hub.Hosting;

namespace EdgeAi.Hub.Cli;

/// <summary>Admin API calls from the CLI: problem bodies become one plain message, exit code 1.</summary>
internal static class ApiCalls
{
    public static readonly Option<string?> DataDirectory = new("--data-dir")
    {
        Description = "The hub's data directory, where admin.key and hub-ca.crt are looked for (default: EDGEAI_Hub__DataDirectory, else the hub's default).",
        Recursive = true,
    };

    /// <summary>Runs an admin command against the hub; an <see cref="AdminCommandException"/> is printed plainly and gives exit code 1.</summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<HttpClient, TextWriter, CancellationToken, Task> command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(command);
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        try
        {
            using var client = AdminConnection.Create(parse, DataDirectoryOf(parse));
            await command(client, output, cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (AdminCommandException e)
        {
            await error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return 1;
        }
        catch (HttpRequestException e)
        {
            await error.WriteLineAsync($"cannot reach the hub: {e.Message}{(e.InnerException is { } inner ? $" ({inner.Message})" : "")}").ConfigureAwait(false);
            return 1;
        }
    }

    public static string DataDirectoryOf(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(DataDirectory) ?? Environment.GetEnvironmentVariable("EDGEAI_Hub__DataDirectory") ?? new HubOptions().DataDirectory;
    }

    /// <summary>Sends a request; a refusal becomes an <see cref="AdminCommandException"/> carrying the hub's explanation.</summary>
    public static async Task<JsonElement> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new AdminCommandException($"the hub refused ({(int)response.StatusCode} {response.ReasonPhrase}): {Detail(body)}");
        }
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    public static Task<JsonElement> GetAsync(HttpClient client, string path, CancellationToken cancellationToken) =>
        SendAsync(client, new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative)), cancellationToken);

    public static Task<JsonElement> PostAsync(HttpClient client, string path, HttpContent? content, CancellationToken cancellationToken) =>
        SendAsync(client, new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = content }, cancellationToken);

    public static StringContent Json(string json) => new(json, new MediaTypeHeaderValue("application/json"));

    public static string Escape(string segment) => Uri.EscapeDataString(segment);

    private static string Detail(string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            if (problem.RootElement.ValueKind == JsonValueKind.Object && problem.RootElement.TryGetProperty("detail", out var detail))
            {
                return detail.GetString() ?? body;
            }
        }
        catch (JsonException)
        {
        }
        return body.Length == 0 ? "(no details)" : body;
    }
}
