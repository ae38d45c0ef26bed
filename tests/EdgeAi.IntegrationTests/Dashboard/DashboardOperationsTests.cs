using System.Text.Json;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using EdgeAi.IntegrationTests.Deployments;
using Google.Protobuf;

namespace EdgeAi.IntegrationTests.Dashboard;

/// <summary>
/// The dashboard's charts, device page and operator actions, driven in headless Chromium against a real hub
/// with a real agent (device-a) and a simulated device (device-b) a deployment waits on.
/// </summary>
public sealed class DashboardOperationsTests : IDisposable
{
    private const string Operator = "e2e-operator";
    private readonly Scratch _scratch = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dashboard_ChartsDevicePageAndClickedActions_ChangeTheHubAndAreAudited()
    {
        BrowserRunner.SkipUnlessAvailable();
        await using var hub = new TestHub(_scratch.Sub("hub"), RolloutTestKit.Settings(["device-b", "camera-7"]));
        hub.Install("scale", SampleModels.Scale(3f));
        await hub.StartAsync();

        // device-a: a real agent; 5 requests served locally, 1 sent to the hub. It runs its checks at start.
        await using var agent = new TestAgent(_scratch.Sub("a"));
        agent.Install("scale", SampleModels.Scale(2f));
        await agent.StartAsync(hub, new Dictionary<string, string?> { ["Telemetry:Interval"] = "00:00:00.200", ["Agent:Check:Enabled"] = "true" });
        for (var i = 0; i < 5; i++)
        {
            await agent.Grpc.ModelInferAsync(Requests.Fp32("scale", [1, 4], [1, 2, 3, 4]), cancellationToken: Token);
        }
        var toCloud = Requests.Fp32("scale", [1, 4], [1, 2, 3, 4]);
        toCloud.Parameters["edgeai.route"] = new InferParameter { StringParam = "cloud" };
        await agent.Grpc.ModelInferAsync(toCloud, cancellationToken: Token);

        // device-b never reports the version active, so the deployment stays running until someone acts.
        using var admin = AdminApi.AdminClient(hub);
        await using var b = (await RolloutTestKit.ConnectAsync(hub, ["device-b"], Token))[0];
        await RolloutTestKit.TagAsync(hub, "device-b", """{"site":"lab"}""", Token);
        await RolloutTestKit.PushOkAsync(admin, "scale", "2", SampleModels.Scale(4f), Token);
        var deployment = await RolloutTestKit.DeployAsync(admin, """{"model":"scale","version":"2","selector":{"site":"lab"},"healthTimeout":"1h"}""", Token);
        await RolloutTestKit.WaitForStateAsync(admin, deployment, "running", Token);

        // camera-7: a device that sent an hour of telemetry (a minute a window), so the charts have lines to draw.
        using var camera = await DeviceMqtt.ConnectDeviceAsync(hub.MqttPort, Token, "camera-7", RolloutTestKit.Key("camera-7"));
        await camera.PublishAsync(DeviceMqtt.Message(SyncTopics.For("camera-7", SyncTopics.Status), DeviceMqtt.Online("1.4.0"), retain: true), Token);
        await camera.PublishAsync(DeviceMqtt.Message(SyncTopics.For("camera-7", SyncTopics.Telemetry), HourOfTelemetry(DateTimeOffset.UtcNow)), Token);
        await Eventually.UntilAsync(async () => (await HubStore.StoredCountAsync(hub, "camera-7", SyncTopics.Telemetry, Token)) == 60, "camera-7's hour of telemetry stored", Token);

        await Eventually.UntilAsync(async () =>
        {
            var devices = await AdminApi.GetJsonAsync(admin, "/api/fleet/devices", Token);
            return devices.EnumerateArray().Any(d => d.GetProperty("id").GetString() == TestHub.DeviceId && d.GetProperty("requests").GetInt64() == 6
                && d.GetProperty("models").GetArrayLength() > 0)
                && (await HubStore.EventsAsync(hub, TestHub.DeviceId, Token)).Any(e => e.Kind == "check");
        }, "device-a's 6 requests, reported models and check report at the hub", Token);

        var shots = _scratch.Sub("screenshots");
        Directory.CreateDirectory(shots);
        var page = await BrowserRunner.RunScriptAsync("check-operations.mjs", hub.Uri, TestHub.AdminKey, new Dictionary<string, string>
        {
            ["ACTOR"] = Operator,
            ["DEPLOYMENT"] = deployment.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DEVICE"] = TestHub.DeviceId,
            ["REVOKE"] = "device-b",
        }, Token, shots);

        page.GetProperty("consoleErrors").GetArrayLength().ShouldBe(0);
        // Charts drawn from the telemetry: each chart has a non-empty line for model "scale".
        foreach (var chart in new[] { "requests", "latency", "fallback" })
        {
            page.GetProperty("fleetCharts").GetProperty(chart).EnumerateArray().ShouldContain(d => d.GetString()!.StartsWith('M'), chart);
            page.GetProperty("devicePage").GetProperty("charts").GetProperty(chart).EnumerateArray().ShouldContain(d => d.GetString()!.StartsWith('M'), chart);
        }
        page.GetProperty("legend").GetString()!.ShouldContain("scale");
        page.GetProperty("legendByDevice").GetString()!.ShouldContain(TestHub.DeviceId);

        // The device page: reported models, the agent's check report (broker and model probes left out), its events.
        var device = page.GetProperty("devicePage");
        device.GetProperty("title").GetString()!.ShouldContain(TestHub.DeviceId);
        device.GetProperty("facts").GetProperty("Execution providers").GetString()!.ShouldContain("CPU");
        Rows(device, "models").ShouldContain(r => r[0] == "scale" && r[1] == "1" && r[4].Contains("CPU"));
        var checks = Rows(device, "checks");
        checks.Select(c => c[0]).ShouldContain("outbox");
        checks.Select(c => c[0]).ShouldContain("hub");
        checks.Select(c => c[0]).ShouldNotContain("broker");
        device.GetProperty("checkAt").GetString()!.ShouldContain("not run by the live agent: models, broker");
        Rows(device, "events").Select(e => e[1]).ShouldContain("check");
        Rows(device, "events").Select(e => e[1]).ShouldContain("agent_started");

        // Pause, clicked: the hub's deployment is paused, and the audit log names the operator.
        page.GetProperty("pauseNotice").GetString()!.ShouldContain("done");
        (await RolloutTestKit.DeploymentAsync(admin, deployment, Token)).GetProperty("state").GetString().ShouldBe("paused");
        // Revoke, confirmed in the page (once cancelled first): the device is revoked.
        page.GetProperty("question").GetString()!.ShouldContain("Revoke device device-b?");
        page.GetProperty("cancelledState").GetString()!.ShouldNotContain("revoked");
        page.GetProperty("revokedTitle").GetString()!.ShouldContain("revoked");
        var devices = await AdminApi.GetJsonAsync(admin, "/api/devices", Token);
        devices.EnumerateArray().Single(d => d.GetProperty("id").GetString() == "device-b").GetProperty("state").GetString().ShouldBe("revoked");

        var audit = await AdminApi.GetJsonAsync(admin, "/api/audit", Token);
        var entries = audit.EnumerateArray().Select(a => (Actor: a.GetProperty("actor").GetString(), Action: a.GetProperty("action").GetString(), Target: a.GetProperty("target").GetString())).ToList();
        entries.ShouldContain(("admin:" + Operator, "deployment.pause", $"deployment/{deployment}"));
        entries.ShouldContain(("admin:" + Operator, "device.revoke", "device-b"));
        entries.Count(e => e.Action == "device.revoke").ShouldBe(1, "the cancelled confirmation sent nothing");

        foreach (var name in new[] { "dashboard-fleet.png", "dashboard-device.png" })
        {
            var png = await File.ReadAllBytesAsync(Path.Combine(shots, name), Token);
            png[..4].ShouldBe(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' });
            png.Length.ShouldBeInRange(5_000, 300 * 1024, name);
            File.Copy(Path.Combine(shots, name), Path.Combine(BrowserRunner.ScreenshotDirectory, name), overwrite: true);
        }
    }

    /// <summary>60 one-minute windows ending now: two models, a daily-looking swell of requests, latency spread over the histogram, some fallback.</summary>
    private static RecordBatch HourOfTelemetry(DateTimeOffset now)
    {
        double[] bounds = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
        var batch = new RecordBatch { Stream = SyncTopics.Telemetry };
        for (var i = 0; i < 60; i++)
        {
            var end = now.AddMinutes(i - 59).AddSeconds(-5).ToUnixTimeMilliseconds();
            var telemetry = new Telemetry { WindowStartUnixMs = end - 60_000, WindowEndUnixMs = end };
            foreach (var (model, scale, fast) in new[] { ("detector", 1.0, 3), ("classifier", 0.5, 2) })
            {
                var requests = (long)(scale * (120 + (80 * Math.Sin(i / 9.0))));
                var cloud = requests * (i is > 35 and < 45 ? 30 : 5) / 100;
                var latency = new LatencyHistogram { Count = requests };
                latency.BoundsMs.Add(bounds);
                // Most requests in the model's fast bucket, a tail two buckets up (more of it while the hub serves more).
                var tail = Math.Max(1, cloud);
                latency.Counts.Add(Enumerable.Range(0, bounds.Length + 1).Select(b => b == fast ? requests - tail : b == fast + 3 ? tail : 0L));
                telemetry.Models.Add(new ModelTelemetry { Model = model, Requests = requests, ServedLocal = requests - cloud, ServedCloud = cloud, Latency = latency });
            }
            batch.Records.Add(new EdgeAi.Common.Sync.Record { Seq = i + 1, CreatedUnixMs = end, Body = telemetry.ToByteString() });
        }
        return batch;
    }

    private static List<string[]> Rows(JsonElement page, string table) =>
        [.. page.GetProperty(table).EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetString()!).ToArray())];

    public void Dispose() => _scratch.Dispose();
}
