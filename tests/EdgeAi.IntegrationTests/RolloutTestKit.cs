using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using EdgeAi.Hub.Store;
using EdgeAi.IntegrationTests.Deployments;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests;

/// <summary>A hub with a small simulated fleet, and the admin calls registry and rollout tests make.</summary>
internal static class RolloutTestKit
{
    public static string Key(string device) => $"{device}-key-0123456789";

    /// <summary>Hub settings for these devices' keys and a fast rollout controller.</summary>
    public static Dictionary<string, string?> Settings(IEnumerable<string> devices, IDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Deployments:PollInterval"] = "00:00:00.050",
            ["Hub:Registry:DownloadChunkBytes"] = "4096",
        };
        foreach (var device in devices)
        {
            settings[$"Hub:DeviceKeys:{device}"] = Key(device);
        }
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>Sets a device's tags as enrollment would (JSON object on its row).</summary>
    public static async Task TagAsync(TestHub hub, string device, string tagsJson, CancellationToken cancellationToken)
    {
        await using var db = await hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(cancellationToken);
        var row = await db.Devices.SingleAsync(d => d.Id == device, cancellationToken);
        row.Tags = tagsJson;
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Connects the devices and waits until the hub has a row for each (their status message arrived).</summary>
    public static async Task<SimulatedDevice[]> ConnectAsync(TestHub hub, IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var devices = new List<SimulatedDevice>();
        foreach (var id in ids)
        {
            devices.Add(await SimulatedDevice.ConnectAsync(hub, id, Key(id), cancellationToken));
            (await HubStore.DeviceAsync(hub, id, cancellationToken)).ShouldNotBeNull($"{id} is known once its status is acknowledged");
        }
        return [.. devices];
    }

    public static async Task<HttpResponseMessage> PushAsync(HttpClient admin, string name, string version, byte[] model, CancellationToken cancellationToken, string contentType = "application/octet-stream")
    {
        using var content = new ByteArrayContent(model);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/models/{Uri.EscapeDataString(name)}/versions/{Uri.EscapeDataString(version)}", UriKind.Relative)) { Content = content };
        // As the CLI does: a refusal (409, 413, 400) arrives before the body is sent, instead of racing a
        // connection the hub closes while the client is still writing.
        request.Headers.ExpectContinue = true;
        return await admin.SendAsync(request, cancellationToken);
    }

    public static async Task PushOkAsync(HttpClient admin, string name, string version, byte[] model, CancellationToken cancellationToken)
    {
        using var response = await PushAsync(admin, name, version, model, cancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>
    /// Starts a hub with <paramref name="limit"/> at 64 KiB and pushes a model bigger than that, asserting 201: a
    /// limit that must not apply to model pushes (they have Hub:Registry:MaxArtifactBytes).
    /// </summary>
    public static async Task PushPastSmallLimitOkAsync(string dataDirectory, string limit, CancellationToken cancellationToken)
    {
        await using var hub = new TestHub(dataDirectory, Settings([], new Dictionary<string, string?> { [limit] = "65536" }));
        await hub.StartAsync();
        using var admin = AdminApi.AdminClient(hub);
        var model = CloudModels.Slow(1);
        model.Length.ShouldBeGreaterThan(65536);

        await PushOkAsync(admin, "slow", "1", model, cancellationToken);
    }

    /// <summary>POSTs a deployment and returns its id (asserting 201).</summary>
    public static async Task<long> DeployAsync(HttpClient admin, string json, CancellationToken cancellationToken)
    {
        using var response = await PostJsonAsync(admin, "/api/deployments", json, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("id").GetInt64();
    }

    public static Task<HttpResponseMessage> PostJsonAsync(HttpClient admin, string path, string? json, CancellationToken cancellationToken) =>
        admin.PostAsync(new Uri(path, UriKind.Relative), json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"), cancellationToken);

    public static Task<JsonElement> DeploymentAsync(HttpClient admin, long id, CancellationToken cancellationToken) =>
        AdminApi.GetJsonAsync(admin, $"/api/deployments/{id.ToString(CultureInfo.InvariantCulture)}", cancellationToken);

    /// <summary>Waits for a deployment to reach a state; returns it as then.</summary>
    public static async Task<JsonElement> WaitForStateAsync(HttpClient admin, long id, string state, CancellationToken cancellationToken)
    {
        JsonElement last = default;
        await Eventually.UntilAsync(async () =>
        {
            last = await DeploymentAsync(admin, id, cancellationToken);
            return last.GetProperty("state").GetString() == state;
        }, () => $"deployment {id} to be {state} (now: {last})", cancellationToken);
        return last;
    }

    /// <summary>A problem answer: status and detail.</summary>
    public static async Task<(HttpStatusCode Status, string Detail)> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", body);
        using var document = JsonDocument.Parse(body);
        return (response.StatusCode, document.RootElement.GetProperty("detail").GetString()!);
    }

    public static async Task<List<AuditRow>> AuditAsync(TestHub hub, CancellationToken cancellationToken)
    {
        await using var db = await hub.Services.GetRequiredService<IDbContextFactory<HubDbContext>>().CreateDbContextAsync(cancellationToken);
        return await db.Audit.AsNoTracking().OrderBy(a => a.Id).ToListAsync(cancellationToken);
    }
}
