using System.Collections.Concurrent;
using System.Text.Json;
using EdgeAi.Agent.Enrollment;
using EdgeAi.Agent.Uplink;
using EdgeAi.IntegrationTests.Dashboard;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.EndToEnd;

/// <summary>
/// The fleet loop end to end: a real hub, three enrolled agents, models pushed and rolled out with
/// the real CLI, devices reconciling over MQTT and gRPC.
/// </summary>
public sealed class FleetEndToEndTests : IDisposable
{
    private readonly Scratch _scratch = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Rollout_InWaves_DeviceFailingSmokeTestHaltsWaveAndRollsBack_WithoutAFailedRequest()
    {
        await using var fleet = await Fleet.StartAsync(_scratch);
        await fleet.PushAsync("bias", "1", bias: 1);
        await fleet.HubCliAsync("deployments", "create", "--model", "bias", "--version", "1", "--selector", "site=lab");
        await fleet.WaitForDeploymentAsync(1, "completed");
        foreach (var device in Fleet.DeviceIds)
        {
            await fleet.WaitForServingAsync(device, "bias", 1);
        }

        // edge-2 comes back too slow for any smoke test (a device that cannot meet the latency budget).
        await fleet.StartAgentAsync("edge-2", new Dictionary<string, string?> { ["Fleet:SmokeTestMaxLatency"] = "00:00:00.000001" });
        await fleet.WaitForServingAsync("edge-2", "bias", 1);

        // Load on edge-1 through its swap to v2 and the rollback to v1: every request must succeed. (Stopping the
        // load cancels the requests in flight; the error grpc-dotnet logs for each, a client reset, every host accepts.)
        using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var served = new ConcurrentDictionary<float, int>();
        var failures = new ConcurrentQueue<string>();
        var load = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stopLoad.IsCancellationRequested)
            {
                try
                {
                    var response = await fleet["edge-1"].Grpc.ModelInferAsync(Requests.Fp32("bias", [1, 4], [0, 0, 0, 0]), cancellationToken: stopLoad.Token);
                    served.AddOrUpdate(Requests.Fp32Output(response)[0], 1, (_, n) => n + 1);
                }
                catch (RpcException) when (stopLoad.IsCancellationRequested)
                {
                    // A call the test itself cancelled. Usually CANCELLED, but a cancellation that lands while
                    // Grpc.Net.Client is starting the call or reading its response can surface as INTERNAL
                    // ("Error starting gRPC call. ObjectDisposedException: ...HttpConnectionResponseContent").
                }
                catch (RpcException e)
                {
                    failures.Enqueue(e.Status.ToString());
                }
            }
        })).ToArray();

        await fleet.PushAsync("bias", "2", bias: 2);
        await fleet.HubCliAsync("deployments", "create", "--model", "bias", "--version", "2", "--selector", "site=lab", "--waves", "34,67,100", "--health-timeout", "30s");
        await fleet.WaitForDeploymentAsync(2, "rolled_back");
        await fleet.WaitForServingAsync("edge-1", "bias", 1);
        await stopLoad.CancelAsync();
        await Task.WhenAll(load);

        failures.ShouldBeEmpty();
        served.Keys.ShouldContain(2f, "edge-1 (wave 1) served v2 before the rollback");
        served.Keys.ShouldContain(1f);
        var deployment = await fleet.DeploymentAsync(2);
        deployment.GetProperty("message").GetString()!.ShouldContain("edge-2");
        var targets = deployment.GetProperty("targets").EnumerateArray().ToDictionary(t => t.GetProperty("deviceId").GetString()!, t => t);
        targets["edge-2"].GetProperty("state").GetString().ShouldBe("rolled_back");
        targets["edge-2"].GetProperty("message").GetString()!.ShouldContain("smoke", Case.Insensitive);
        // Wave 3 never started: edge-3 stayed on v1 throughout.
        targets["edge-3"].GetProperty("state").GetString().ShouldBeOneOf("pending", "cancelled");
        await fleet.WaitForServingAsync("edge-2", "bias", 1);
        await fleet.WaitForServingAsync("edge-3", "bias", 1);
        (await AuditActionsAsync(fleet)).ShouldContain("deployment.create");

        // The dashboard shows the same: both versions in the registry, both deployments with their waves.
        BrowserRunner.SkipUnlessAvailable();
        var page = await BrowserRunner.RunAsync(fleet.Hub.Uri, TestHub.AdminKey, Fleet.DeviceIds, Token);
        page.GetProperty("models").EnumerateArray().Select(r => r[0].GetString() + " " + r[1].GetString()).ShouldBe(["bias 1", "bias 2"], ignoreOrder: true);
        var rows = page.GetProperty("deployments").EnumerateArray().Select(r => string.Join(" | ", r.EnumerateArray().Select(c => c.GetString()))).ToList();
        rows.ShouldContain(r => r.Contains("bias v1", StringComparison.Ordinal) && r.Contains("completed", StringComparison.Ordinal));
        rows.ShouldContain(r => r.Contains("bias v2", StringComparison.Ordinal) && r.Contains("rolled back", StringComparison.Ordinal) && r.Contains("wave 2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Artifacts_CutDownloadResumes_TamperedRefused_RevokedRefused_HubDownRestartServes()
    {
        const int Wide = 200_000; // an 800 KB model, sent at 400 KB/s, each attempt cut after 1 s
        await using var fleet = await Fleet.StartAsync(
            _scratch,
            new Dictionary<string, string?> { ["Hub:Registry:DownloadBytesPerSecond"] = "400000", ["Hub:Registry:DownloadChunkBytes"] = "16384" },
            Fleet.DeviceIds.ToDictionary(d => d, IDictionary<string, string?> (_) => new Dictionary<string, string?> { ["Fleet:DownloadAttemptTimeout"] = "00:00:01" }));

        // A download cut by its attempt timeout resumes from its offset.
        await fleet.PushAsync("wide", "1", bias: 1, width: Wide);
        await fleet.HubCliAsync("deployments", "create", "--model", "wide", "--version", "1");
        await fleet.WaitForDeploymentAsync(1, "completed");
        foreach (var device in Fleet.DeviceIds)
        {
            await fleet.WaitForServingAsync(device, "wide", 1, Wide);
        }
        using (var http = AdminApi.AdminClient(fleet.Hub))
        {
            var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), Token);
            var resumed = metrics.Split('\n').Single(l => l.StartsWith("edgeai_hub_model_downloads_resumed_total ", StringComparison.Ordinal));
            long.Parse(resumed.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThanOrEqualTo(Fleet.DeviceIds.Length);
        }

        // A tampered artifact (changed on the hub's disk after signing) is refused; v1 keeps serving.
        await fleet.PushAsync("tiny", "1", bias: 1);
        await fleet.HubCliAsync("deployments", "create", "--model", "tiny", "--version", "1");
        await fleet.WaitForDeploymentAsync(2, "completed");
        await fleet.PushAsync("tiny", "2", bias: 2);
        var artifact = Path.Combine(fleet.Hub.DataDirectory, "artifacts", "tiny", "2", "model.onnx");
        var bytes = await File.ReadAllBytesAsync(artifact, Token);
        bytes[^5] ^= 0x40;
        await File.WriteAllBytesAsync(artifact, bytes, Token);
        await fleet.HubCliAsync("deployments", "create", "--model", "tiny", "--version", "2");
        await fleet.WaitForDeploymentAsync(3, "rolled_back");
        var tampered = await fleet.DeploymentAsync(3);
        tampered.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("message").GetString() ?? "")
            .ShouldContain(m => m.Contains("sha256", StringComparison.OrdinalIgnoreCase));
        foreach (var device in Fleet.DeviceIds)
        {
            await fleet.WaitForServingAsync(device, "tiny", 1);
        }

        // A revoked device is refused: its MQTT session is dropped and its key no longer opens gRPC.
        await fleet.HubCliAsync("devices", "revoke", "edge-3");
        await Eventually.UntilAsync(() => Task.FromResult(!fleet["edge-3"].Services.GetRequiredService<UplinkState>().Connected), "edge-3 disconnected", Token);
        var identity = DeviceIdentity.TryRead(Path.Combine(_scratch.Root, "edge-3"));
        var (channel, client, headers) = fleet.Hub.Client(identity!.DeviceKey);
        using (channel)
        {
            var refused = await Should.ThrowAsync<RpcException>(async () => await client.ModelInferAsync(Requests.Fp32("tiny", [1, 4], [0, 0, 0, 0]), headers, cancellationToken: Token));
            refused.StatusCode.ShouldBe(StatusCode.Unauthenticated);
            refused.Status.Detail.ShouldContain("revoked");
        }

        // With the hub down, a restarted agent serves the versions it last activated.
        await fleet.Hub.StopAsync();
        await fleet.StartAgentAsync("edge-1");
        await fleet.WaitForServingAsync("edge-1", "tiny", 1);
        await fleet.WaitForServingAsync("edge-1", "wide", 1, Wide);
    }

    private static async Task<List<string>> AuditActionsAsync(Fleet fleet)
    {
        using var admin = AdminApi.AdminClient(fleet.Hub);
        var audit = await AdminApi.GetJsonAsync(admin, "/api/audit?limit=500", Token);
        return [.. audit.EnumerateArray().Select(a => a.GetProperty("action").GetString()!)];
    }

    public void Dispose() => _scratch.Dispose();
}
