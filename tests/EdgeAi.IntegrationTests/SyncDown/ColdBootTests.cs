using System.Net.Sockets;
using System.Text.Json;
using EdgeAi.Agent.SyncDown;
using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Sync;
using EdgeAi.Serving.Store;

namespace EdgeAi.IntegrationTests.SyncDown;

/// <summary>The real edge-agent process follows persisted desired states across restarts, and boots and serves with no hub.</summary>
public sealed class ColdBootTests : FleetServerTest
{
    [Fact]
    public async Task AgentProcess_RestartedWithHubDown_ServesItsPersistedActiveVersion()
    {
        var data = Scratch.Sub("agent");
        await File.WriteAllTextAsync(Path.Combine(data, "model-signing.pub"), Models.PublicKeyPem, Token);
        var bytes = new Dictionary<string, byte[]> { ["1"] = FleetModels.Bias(1f), ["2"] = FleetModels.Bias(2f) };
        foreach (var (version, model) in bytes)
        {
            Server.Serve("m", version, model);
        }
        var online = Settings(Server.Uri);
        var offline = Settings(new Uri($"http://127.0.0.1:{ClosedPort()}"));
        offline["Uplink:BrokerUrl"] = $"mqtt://127.0.0.1:{ClosedPort()}";

        // Online: v1, then v2 (each desired state persisted as the uplink would have stored it).
        Persist(data, 1, "1", bytes["1"]);
        await RunUntilServingAsync(data, online, "1");
        Persist(data, 2, "2", bytes["2"]);
        await RunUntilServingAsync(data, online, "2");
        Server.Requests.Count.ShouldBe(2);

        // Hub gone, rolled back to v1: the kept files are enough.
        await Server.DisposeAsync();
        Persist(data, 3, "1", bytes["1"]);
        await RunUntilServingAsync(data, offline, "1");

        // Cold boot with the hub still gone: v1 serves from the first answer, although v2 is newer and installed.
        await using (var agent = await AgentProcess.StartAsync(data, offline))
        {
            using var http = new HttpClient { BaseAddress = agent.HttpUri };
            string? first = null;
            await Eventually.UntilAsync(async () => (first = await ServedVersionAsync(http)) is not null, () => $"an answer\n{agent.Output}", Token);
            first.ShouldBe("1");
            await agent.KillAsync();
        }

        var store = new ModelStore(Path.Combine(data, "models"), TimeProvider.System);
        store.List().Select(m => m.Version).ShouldBe(["1", "2"]);
        store.ReadActive("m").ShouldBe("1");
        using var outbox = DurableOutbox.Open(Path.Combine(data, new OutboxOptions().FileName), new OutboxOptions(), TimeProvider.System);
        var deployments = outbox.Peek(SyncTopics.Deployments, 10_000).Select(r => DeploymentStatus.Parser.ParseFrom(r.Payload)).ToList();
        deployments.ShouldContain(d => d.DesiredRevision == 3 && d.Version == "2" && d.State == DeploymentStates.RolledBack);
        deployments.ShouldContain(d => d.DesiredRevision == 3 && d.Version == "1" && d.State == DeploymentStates.Active);
        deployments.ShouldNotContain(d => d.State == DeploymentStates.Failed);
    }

    private static async Task RunUntilServingAsync(string data, Dictionary<string, string> settings, string version)
    {
        await using var agent = await AgentProcess.StartAsync(data, settings);
        using var http = new HttpClient { BaseAddress = agent.HttpUri };
        await Eventually.UntilAsync(async () => await ServedVersionAsync(http) == version, () => $"version {version} served\n{agent.Output}", Token, TimeSpan.FromSeconds(60));
        await agent.KillAsync();
    }

    private void Persist(string data, long revision, string version, byte[] model) =>
        new DesiredStateStore(data).TrySave(FleetModels.State(revision, Models.Desired("m", version, model))).ShouldBeTrue();

    private static async Task<string?> ServedVersionAsync(HttpClient http)
    {
        var (response, body) = await Requests.PostAsync(http, "/v2/models/m/infer", Requests.Json("input", "FP32", [1, 4], [0, 0, 0, 0]), Token);
        using (response)
        using (body)
        {
            return response.IsSuccessStatusCode ? body.RootElement.GetProperty("model_version").GetString() : null;
        }
    }

    private static Dictionary<string, string> Settings(Uri hub) => new()
    {
        ["Cloud:HubUrl"] = hub.ToString(),
        ["Cloud:DeviceKey"] = TestFleetServer.DeviceKey,
        ["Fleet:RetryDelay"] = "00:00:00.050",
        ["Fleet:MaxRetryDelay"] = "00:00:00.500",
        ["Fleet:DownloadAttemptTimeout"] = "00:00:10",
    };

    private static int ClosedPort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
