using System.Net;
using System.Text;
using System.Text.Json;
using EdgeAi.Common.Sync;
using EdgeAi.IntegrationTests.Deployments;

namespace EdgeAi.IntegrationTests.Variants;

/// <summary>Calls of the variant routes, and a simulated device's report of its execution providers.</summary>
internal static class VariantApi
{
    public static string VariantPath(string name, string version, string variant) => $"/api/models/{name}/versions/{version}/variants/{variant}";

    public static async Task<HttpResponseMessage> AddAsync(HttpClient admin, string name, string version, string variant, byte[] model, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(model);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        return await admin.PostAsync(new Uri(VariantPath(name, version, variant), UriKind.Relative), content, cancellationToken);
    }

    public static async Task<JsonElement> AddOkAsync(HttpClient admin, string name, string version, string variant, byte[] model, CancellationToken cancellationToken)
    {
        using var response = await AddAsync(admin, name, version, variant, model, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PutReportAsync(HttpClient admin, string name, string version, string variant, string json, CancellationToken cancellationToken) =>
        admin.PutAsync(new Uri(VariantPath(name, version, variant) + "/report", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"), cancellationToken);

    /// <summary>Sends a ReportedState naming these providers and waits until the hub has taken it in.</summary>
    public static async Task ReportProvidersAsync(TestHub hub, SimulatedDevice device, CancellationToken cancellationToken, params string[] providers)
    {
        var reported = new ReportedState { DesiredRevision = device.Latest?.Revision ?? 0, AgentVersion = "simulated" };
        reported.ExecutionProviders.Add(providers);
        await device.SendAsync(SyncTopics.Reported, reported, cancellationToken);
        await Eventually.UntilAsync(async () =>
        {
            var row = await HubStore.DeviceAsync(hub, device.Id, cancellationToken);
            return row?.Reported is { } body && ReportedState.Parser.ParseFrom(body).ExecutionProviders.SequenceEqual(providers);
        }, $"{device.Id}'s providers [{string.Join(", ", providers)}] at the hub", cancellationToken);
    }
}
