using System.Net;
using System.Text.Json;
using EdgeAi.Common.Onnx;
using EdgeAi.Serving.Runtime;

namespace EdgeAi.IntegrationTests.Health;

/// <summary>The agent's /healthz and /readyz: offline is Degraded and still ready; a model that failed to load makes it unready.</summary>
public sealed class HealthTests : IDisposable
{
    private readonly Scratch _scratch = new("edgeai-health-");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Readyz_NoHubReachable_200WithHubAndBrokerDegraded()
    {
        await using var agent = new TestAgent(_scratch.Sub("agent"));
        agent.Install("classifier", SampleModels.Classifier());
        // Nothing listens on port 1 of loopback: the hub and the broker are unreachable at once.
        await agent.StartAsync(hub: null, HostSettings.Merge(TestAgent.UplinkSettings("mqtt://127.0.0.1:1"), new Dictionary<string, string?>
        {
            ["Cloud:HubUrl"] = "http://127.0.0.1:1",
        }));
        using var http = new HttpClient { BaseAddress = agent.HttpUri };

        var (status, report) = await ReadyzAsync(http);

        status.ShouldBe(HttpStatusCode.OK);
        report.GetProperty("status").GetString().ShouldBe("Degraded");
        var hub = Check(report, "hub");
        hub.GetProperty("status").GetString().ShouldBe("Degraded");
        hub.GetProperty("description").GetString()!.ShouldContain("http://127.0.0.1:1");
        Check(report, "broker").GetProperty("status").GetString().ShouldBe("Degraded");
        var models = Check(report, "models");
        models.GetProperty("status").GetString().ShouldBe("Healthy");
        models.GetProperty("data").GetProperty("classifier").GetString().ShouldBe("ready: version 1 on CPU");
        Check(report, "live").GetProperty("status").GetString().ShouldBe("Healthy");
        (await http.GetStringAsync(new Uri("/healthz", UriKind.Relative), Token)).ShouldBe("ok");
        (await http.GetAsync(new Uri("/v2/health/ready", UriKind.Relative), Token)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Readyz_ModelFailedToLoad_503WithThatModelUnhealthy()
    {
        await using var agent = new TestAgent(_scratch.Sub("agent"));
        agent.Install("classifier", SampleModels.Classifier());
        agent.Store.InstallCorrupt("corrupt");
        agent.ExpectErrors(typeof(ModelHost), 1002, "Model corrupt version 1 failed to load");
        // The test's error collector has its own provider rule, so the health service's report of the Unhealthy check reaches it.
        agent.ExpectErrors("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", 103, "models");
        await agent.StartAsync(hub: null);
        using var http = new HttpClient { BaseAddress = agent.HttpUri };

        var (status, report) = await ReadyzAsync(http);

        status.ShouldBe(HttpStatusCode.ServiceUnavailable);
        report.GetProperty("status").GetString().ShouldBe("Unhealthy");
        var models = Check(report, "models");
        models.GetProperty("status").GetString().ShouldBe("Unhealthy");
        models.GetProperty("description").GetString()!.ShouldContain("corrupt");
        models.GetProperty("data").GetProperty("corrupt").GetString()!.ShouldStartWith("failed: version 1: ");
        models.GetProperty("data").GetProperty("classifier").GetString()!.ShouldStartWith("ready");
        // No hub configured is not a degradation: the agent was set up to run alone.
        Check(report, "hub").GetProperty("status").GetString().ShouldBe("Healthy");
        // Liveness ignores readiness: the process is up, so nothing should restart it.
        (await http.GetStringAsync(new Uri("/healthz", UriKind.Relative), Token)).ShouldBe("ok");
    }

    private static async Task<(HttpStatusCode Status, JsonElement Report)> ReadyzAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative), Token);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Token));
        return (response.StatusCode, body.RootElement.Clone());
    }

    private static JsonElement Check(JsonElement report, string name) =>
        report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
}
