using System.Net.Http.Headers;
using System.Text.Json;

namespace EdgeAi.Hub.Cli;

/// <summary>Admin API calls read as JSON documents (for commands that print fields, not typed views); refusals become <see cref="AdminCommandException"/>.</summary>
internal static class ApiCalls
{
    /// <summary>Sends a request; a refusal becomes an <see cref="AdminCommandException"/> carrying the hub's explanation.</summary>
    public static async Task<JsonElement> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await AdminCommandRunner.EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    public static Task<JsonElement> GetAsync(HttpClient client, string path, CancellationToken cancellationToken) =>
        SendAsync(client, new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative)), cancellationToken);

    public static Task<JsonElement> PostAsync(HttpClient client, string path, HttpContent? content, CancellationToken cancellationToken) =>
        SendAsync(client, new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = content }, cancellationToken);

    public static StringContent Json(string json) => new(json, new MediaTypeHeaderValue("application/json"));

    public static string Escape(string segment) => Uri.EscapeDataString(segment);
}
