using System.Net.Http.Headers;
using System.Text.Json;

namespace EdgeAi.Testing.Hosts;

/// <summary>The hub's HTTPS API as an administrator (or anyone with a key) calls it.</summary>
internal static class AdminApi
{
    /// <summary>An HTTPS client that trusts this hub's certificate (pinned), sending <paramref name="key"/> as its bearer key (none for null).</summary>
    public static HttpClient AdminClient(TestHub hub, string? key = TestHub.AdminKey)
    {
        var client = new HttpClient(HubTrust.PinnedHandler(hub.Fingerprint)) { BaseAddress = hub.Uri };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    /// <summary>GETs a JSON document; an answer other than 2xx throws with its body.</summary>
    public static async Task<JsonElement> GetJsonAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {path}: {(int)response.StatusCode} {response.StatusCode}: {body}", null, response.StatusCode);
        }
        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }
}
