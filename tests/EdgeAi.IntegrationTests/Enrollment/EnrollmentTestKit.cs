using System.Net;
using System.Text;
using System.Text.Json;
using EdgeAi.Common.Fleet;
using EdgeAi.Hub.Enrollment;
using EdgeAi.Hub.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Enrollment;

/// <summary>Enrollment tokens, enrollment calls and admin requests for enrollment, revocation and CLI tests.</summary>
internal static class EnrollmentTestKit
{
    /// <summary>POST /api/tokens with a JSON body; the response and its parsed body.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostTokenAsync(TestHub hub, string json, CancellationToken cancellationToken, string? adminKey = null)
    {
        using var admin = AdminClient(hub, adminKey ?? TestHub.AdminKey);
        return await SendAsync(admin, HttpMethod.Post, "/api/tokens", json, cancellationToken);
    }

    /// <summary>A token made through the admin API: (id, the whole token).</summary>
    public static async Task<(string Id, string Token)> NewTokenAsync(
        TestHub hub, CancellationToken cancellationToken, int uses = 1, string tags = "{}", string expiresIn = "1h", string? admin = null)
    {
        var (status, body) = await PostTokenAsync(hub, $$"""{"tags":{{tags}},"uses":{{uses}},"expiresIn":"{{expiresIn}}"}""", cancellationToken, admin);
        status.ShouldBe(HttpStatusCode.Created, body.ToString());
        return (body.GetProperty("id").GetString()!, body.GetProperty("token").GetString()!);
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient admin, HttpMethod method, string path, string? json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var response = await admin.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        using var document = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return (response.StatusCode, document.RootElement.Clone());
    }

    /// <summary>Calls Fleet.Enroll over TLS pinned to the hub's certificate, with no device key.</summary>
    public static async Task<EnrollResponse> EnrollAsync(TestHub hub, string token, CancellationToken cancellationToken, string requestedId = "", string hostname = "test-host")
    {
        var (channel, _, _) = hub.Client(key: null);
        using (channel)
        {
            return await new Common.Fleet.Fleet.FleetClient(channel).EnrollAsync(
                new EnrollRequest { Token = token, RequestedDeviceId = requestedId, Hostname = hostname, AgentVersion = "test" }, cancellationToken: cancellationToken);
        }
    }

    public static async Task<EnrollmentTokenRow> TokenRowAsync(TestHub hub, string id, CancellationToken cancellationToken)
    {
        await using var db = await hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(cancellationToken);
        return await db.EnrollmentTokens.AsNoTracking().SingleAsync(t => t.Id == id, cancellationToken);
    }

    /// <summary>Moves a token's expiry into the past (no waiting for a real one to run out).</summary>
    public static async Task ExpireAsync(TestHub hub, string id, CancellationToken cancellationToken)
    {
        await using var db = await hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(cancellationToken);
        var past = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds();
        (await db.EnrollmentTokens.Where(t => t.Id == id).ExecuteUpdateAsync(s => s.SetProperty(t => t.ExpiresAtMs, past), cancellationToken)).ShouldBe(1);
    }

    public static async Task<JsonElement[]> AuditAsync(TestHub hub, string query, CancellationToken cancellationToken)
    {
        using var admin = AdminClient(hub);
        return [.. (await GetJsonAsync(admin, "/api/audit" + query, cancellationToken)).EnumerateArray()];
    }
}
