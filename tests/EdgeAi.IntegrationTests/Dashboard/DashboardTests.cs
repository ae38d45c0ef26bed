using System.Text.Json;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using Grpc.Core;
using EdgeAi.Common.Inference;

namespace EdgeAi.IntegrationTests.Dashboard;

/// <summary>The hub's dashboard, driven in headless Chromium against a real hub with real agents.</summary>
public sealed class DashboardTests : IDisposable
{
    private const string KeyB = "device-b-key-0123456789";
    private const string KeyC = "device-c-key-0123456789";
    private readonly Scratch _scratch = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dashboard_ShowsDevicesOnlineOfflineAndStale_WithModelsAndFallbackRate()
    {
        BrowserRunner.SkipUnlessAvailable();
        await using var hub = new TestHub(_scratch.Sub("hub"), new Dictionary<string, string?>
        {
            ["Hub:DeviceKeys:device-b"] = KeyB,
            ["Hub:DeviceKeys:device-c"] = KeyC,
            ["Hub:Dashboard:StaleAfter"] = "00:00:02",
        });
        hub.Install("scale", SampleModels.Scale(3f));
        await hub.StartAsync();

        // device-a: a real agent serving "scale" locally; 4 requests local, 1 sent to the hub.
        await using var a = new TestAgent(_scratch.Sub("a"));
        a.Install("scale", SampleModels.Scale(2f));
        await a.StartAsync(hub, new Dictionary<string, string?> { ["Telemetry:Interval"] = "00:00:00.200" });
        for (var i = 0; i < 4; i++)
        {
            await a.Grpc.ModelInferAsync(Requests.Fp32("scale", [1, 4], [1, 2, 3, 4]), cancellationToken: Token);
        }
        var toCloud = Requests.Fp32("scale", [1, 4], [1, 2, 3, 4]);
        toCloud.Parameters["edgeai.route"] = new InferParameter { StringParam = "cloud" };
        await a.Grpc.ModelInferAsync(toCloud, cancellationToken: Token);

        // device-b: a real agent that connects, reports, then shuts down cleanly (offline).
        var b = new TestAgent(_scratch.Sub("b"));
        await b.StartAsync(hub, AgentAs("device-b", KeyB, hub));
        await Eventually.UntilAsync(async () => (await HubStore.StoredCountAsync(hub, "device-b", SyncTopics.Reported, Token)) > 0, "device-b's reported state", Token);
        await b.DisposeAsync();
        await Eventually.UntilAsync(async () => (await HubStore.DeviceAsync(hub, "device-b", Token))?.Online == false, "device-b offline", Token);

        // device-c: says it is online once, then stays silent on an open connection (stale after 2 s).
        using var c = await DeviceMqtt.ConnectDeviceAsync(hub.MqttPort, Token, "device-c", KeyC);
        await c.PublishAsync(DeviceMqtt.Message(SyncTopics.For("device-c", SyncTopics.Status), DeviceMqtt.Online("9.9.9"), retain: true), Token);

        await Eventually.UntilAsync(async () =>
        {
            var devices = await FleetAsync(hub);
            return State(devices, "device-a") == "online" && State(devices, "device-c") == "stale"
                && devices.EnumerateArray().Any(d => d.GetProperty("id").GetString() == "device-a" && d.GetProperty("requests").GetInt64() == 5
                    && d.GetProperty("models").GetArrayLength() > 0);
        }, "device-a online with its 5 requests counted and its reported models, device-c stale", Token);

        var page = await BrowserRunner.RunAsync(hub.Uri, TestHub.AdminKey, ["device-a", "device-b", "device-c"], Token);

        page.GetProperty("wrongKeyError").GetString()!.ShouldContain("refused");
        page.GetProperty("consoleErrors").GetArrayLength().ShouldBe(0);
        page.GetProperty("summary").GetString()!.ShouldBe("3 devices · 1 online · 1 stale · 1 offline");
        var rows = page.GetProperty("devices").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!, r => r.GetProperty("cells").EnumerateArray().Select(c => c.GetString()!).ToArray());
        rows.Keys.ShouldBe(["device-a", "device-b", "device-c"]);
        // Columns: device, state, last seen, agent, execution providers, models, fallback rate, tags.
        rows["device-a"][1].ShouldBe("online");
        rows["device-a"][4].ShouldContain("CPU");
        rows["device-a"][5].ShouldContain("scale v1");
        rows["device-a"][6].ShouldStartWith("20.0% of 5");
        rows["device-b"][1].ShouldBe("offline");
        rows["device-c"][1].ShouldBe("stale");
        rows["device-c"][3].ShouldBe("9.9.9");
        var screenshot = Path.Combine(BrowserRunner.ScreenshotDirectory, "dashboard-devices.png");
        var png = await File.ReadAllBytesAsync(screenshot, Token);
        png.Length.ShouldBeGreaterThan(5_000);
        png[..4].ShouldBe(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' });
    }

    [Fact]
    public async Task Dashboard_DeviceFiredRules_ShowsItsRecentRuleFiredEvents()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"));
        await hub.StartAsync();
        await using var agent = new TestAgent(_scratch.Sub("a"));
        await agent.StartAsync(hub, new Dictionary<string, string?>
        {
            ["Rules:ping:Trigger:Kind"] = "command",
            ["Rules:ping:Actions:0:Kind"] = "event",
            ["Rules:door:Trigger:Kind"] = "command",
            ["Rules:door:Actions:0:Kind"] = "event",
        });
        using var http = new HttpClient { BaseAddress = agent.HttpUri };
        foreach (var rule in new[] { "door", "ping", "ping" })
        {
            using var fired = await http.PostAsync(new Uri($"/rules/{rule}/fire", UriKind.Relative), null, Token);
            fired.EnsureSuccessStatusCode();
        }

        var device = await Eventually.SucceedsAsync(async () =>
        {
            var row = (await FleetAsync(hub)).EnumerateArray().Single(d => d.GetProperty("id").GetString() == TestHub.DeviceId);
            row.GetProperty("recentRuleFires").GetArrayLength().ShouldBe(3);
            return row;
        }, e => e is ShouldAssertException or InvalidOperationException or KeyNotFoundException, "device-a's three rule fires in the fleet view", Token);
        var fires = device.GetProperty("recentRuleFires").EnumerateArray().ToList();
        fires.Select(f => f.GetProperty("rule").GetString()).ShouldBe(["ping", "ping", "door"], "newest first");
        fires.ShouldAllBe(f => f.GetProperty("result").GetString() == "fired" && f.GetProperty("latencyMs").GetDouble() >= 0);
        fires[0].GetProperty("trigger").GetString().ShouldBe("local");

        BrowserRunner.SkipUnlessAvailable();
        var page = await BrowserRunner.RunAsync(hub.Uri, TestHub.AdminKey, [TestHub.DeviceId], Token);
        page.GetProperty("consoleErrors").GetArrayLength().ShouldBe(0);
        var cells = page.GetProperty("devices").EnumerateArray().Single().GetProperty("cells").EnumerateArray().Select(c => c.GetString()!).ToArray();
        // The last column: recent rules, newest first.
        cells[^1].ShouldStartWith("ping fired · ");
        cells[^1].ShouldContain("door fired · ");
    }

    [Fact]
    public async Task FleetApi_WithoutAdminKey_IsRefused()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"));
        await hub.StartAsync();
        using var anonymous = AdminApi.AdminClient(hub, key: null);
        var response = await anonymous.GetAsync(new Uri("/api/fleet/devices", UriKind.Relative), Token);
        ((int)response.StatusCode).ShouldBe(401);
        using var browser = AdminApi.AdminClient(hub, key: null);
        var page = await browser.GetStringAsync(new Uri("/dashboard", UriKind.Relative), Token);
        page.ShouldContain("<title>EdgeAi hub</title>");
    }

    [Fact]
    public async Task FleetAndTelemetryApis_DeviceStoredUnparsableBodies_LeaveThemOut()
    {
        await using var hub = new TestHub(_scratch.Sub("hub"));
        await hub.StartAsync();
        using var device = await DeviceMqtt.ConnectDeviceAsync(hub.MqttPort, Token);
        var batch = DeviceMqtt.TelemetryBatch(1, 2, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        batch.Records[1].Body = Google.Protobuf.ByteString.CopyFrom(0xFF, 0xFF, 0xFF);
        await device.PublishAsync(DeviceMqtt.Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), batch), Token);
        var reported = new RecordBatch { Stream = SyncTopics.Reported };
        reported.Records.Add(new EdgeAi.Common.Sync.Record { Seq = 1, CreatedUnixMs = 1, Body = Google.Protobuf.ByteString.CopyFrom(0xFF, 0xFF) });
        await device.PublishAsync(DeviceMqtt.Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Reported), reported), Token);
        await Eventually.UntilAsync(async () => (await HubStore.StoredCountAsync(hub, TestHub.DeviceId, SyncTopics.Telemetry, Token)) == 2, "both telemetry records stored", Token);

        using var admin = AdminApi.AdminClient(hub);
        var page = await AdminApi.GetJsonAsync(admin, $"/api/devices/{TestHub.DeviceId}/telemetry", Token);
        page.GetProperty("count").GetInt32().ShouldBe(1);
        var devices = await AdminApi.GetJsonAsync(admin, "/api/fleet/devices", Token);
        devices.EnumerateArray().Single().GetProperty("models").GetArrayLength().ShouldBe(0);
    }

    private static Dictionary<string, string?> AgentAs(string device, string key, TestHub hub) => new()
    {
        ["Agent:DeviceId"] = device,
        ["Cloud:DeviceKey"] = key,
        ["Uplink:BrokerUrl"] = $"mqtt://127.0.0.1:{hub.MqttPort}",
        ["Telemetry:Interval"] = "00:00:00.200",
    };

    private static async Task<JsonElement> FleetAsync(TestHub hub)
    {
        using var admin = AdminApi.AdminClient(hub);
        return await AdminApi.GetJsonAsync(admin, "/api/fleet/devices", Token);
    }

    private static string? State(JsonElement devices, string id) =>
        devices.EnumerateArray().Where(d => d.GetProperty("id").GetString() == id).Select(d => d.GetProperty("state").GetString()).FirstOrDefault();

    public void Dispose() => _scratch.Dispose();
}
