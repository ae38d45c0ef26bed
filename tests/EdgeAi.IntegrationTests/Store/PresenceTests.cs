using EdgeAi.Common.Sync;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;
using static EdgeAi.Testing.Mqtt.DeviceMqtt;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Store;

/// <summary>What the admin API and <c>cloud-hub devices list</c> say about presence: stale devices, and devices a crashed hub last saw online.</summary>
public sealed class PresenceTests : IDisposable
{
    private readonly Scratch _scratch = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _scratch.Dispose();

    [Fact]
    [Trait("Category", "Fault")]
    public async Task HubKilled_Restarted_DeviceNotOnlineUntilItReconnects()
    {
        var data = _scratch.Sub("hub");
        var settings = new Dictionary<string, string>
        {
            ["Hub:AdminKey"] = TestHub.AdminKey,
            [$"Hub:DeviceKeys:{TestHub.DeviceId}"] = TestHub.DeviceKey,
        };
        var hub = await HubProcess.StartAsync(data, settings);
        await using (hub)
        {
            using var device = await ConnectWithWillAsync(hub.MqttPort);
            await Eventually.UntilAsync(async () => (await DeviceLineAsync(hub.Uri, data)).Contains(" online ", StringComparison.Ordinal), "the device online before the crash", Token);

            // A crash: no will reaches the store, which still says online.
            await hub.KillAsync();
        }
        await using var restarted = await HubProcess.StartAsync(data, settings, hub.Uri.Port, hub.MqttPort);

        // The device has not reconnected: the restarted hub must not call it online.
        var line = await DeviceLineAsync(restarted.Uri, data);
        line.ShouldContain("offline (hub restarted)", customMessage: restarted.Output);
        var api = await AdminApiAsync(restarted.Uri, data);
        api.GetProperty("state").GetString().ShouldBe("offline");
        api.GetProperty("online").GetBoolean().ShouldBeFalse();

        // It reconnects (as the agent's uplink does) and says so: online again.
        using var again = await ConnectWithWillAsync(restarted.MqttPort);
        await Eventually.UntilAsync(async () => (await DeviceLineAsync(restarted.Uri, data)).Contains(" online ", StringComparison.Ordinal), "the device online after reconnecting", Token);
        (await AdminApiAsync(restarted.Uri, data)).GetProperty("state").GetString().ShouldBe("online");
    }

    [Fact]
    public async Task DeviceOnlineButSilent_ApiAndCliSayStale()
    {
        await using var hub = new TestHub(_scratch.Sub("stale"), new Dictionary<string, string?> { ["Hub:Dashboard:StaleAfter"] = "00:00:02" });
        await hub.StartAsync();
        using var device = await ConnectWithWillAsync(hub.MqttPort);
        using var admin = AdminClient(hub);

        // Its last status says online, its connection stays up, and it sends nothing more: a half-open link looks like this to the hub.
        await Eventually.UntilAsync(async () => await StateAsync(admin) == "stale", "the silent device to turn stale", Token);

        var list = await CliRunner.HubAsync(["devices", "list", "--hub", hub.Uri.ToString(), "--data-dir", hub.DataDirectory, "--admin-key", TestHub.AdminKey]);
        list.ExitCode.ShouldBe(0, list.ToString());
        list.Output.Split('\n').Single(l => l.StartsWith(TestHub.DeviceId, StringComparison.Ordinal)).ShouldContain(" stale ");
        var fleet = await GetJsonAsync(admin, "/api/fleet/devices", Token);
        fleet.EnumerateArray().Single(d => d.GetProperty("id").GetString() == TestHub.DeviceId).GetProperty("state").GetString().ShouldBe("stale");

        // Anything from the device makes it fresh again.
        (await device.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry), TelemetryBatch(1, 1)), Token)).IsSuccess.ShouldBeTrue();
        (await StateAsync(admin)).ShouldBe("online");
    }

    /// <summary>Connects as device-a with the agent's retained Last Will, then publishes a retained "online" status as the agent does on every connect.</summary>
    private static async Task<IMqttClient> ConnectWithWillAsync(int port)
    {
        var will = new Status { Online = false, Reason = "connection lost" };
        var options = DeviceOptions(port, TestHub.DeviceId, TestHub.DeviceId, TestHub.DeviceKey)
            .WithWillTopic(SyncTopics.For(TestHub.DeviceId, SyncTopics.Status))
            .WithWillPayload(will.ToByteArray())
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var client = await ConnectAsync(options, Token);
        var published = await client.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Status), Online(), retain: true), Token);
        published.IsSuccess.ShouldBeTrue(published.ReasonString);
        return client;
    }

    private static async Task<string> StateAsync(HttpClient admin)
    {
        var devices = await GetJsonAsync(admin, "/api/devices", Token);
        return devices.EnumerateArray().Single(d => d.GetProperty("id").GetString() == TestHub.DeviceId).GetProperty("state").GetString()!;
    }

    /// <summary>device-a's line in <c>cloud-hub devices list</c>, run against the hub process (trusting its CA from the data directory).</summary>
    private static async Task<string> DeviceLineAsync(Uri hub, string data)
    {
        var list = await CliRunner.HubAsync(["devices", "list", "--hub", hub.ToString(), "--data-dir", data, "--admin-key", TestHub.AdminKey]);
        list.ExitCode.ShouldBe(0, list.ToString());
        return list.Output.Split('\n').SingleOrDefault(l => l.StartsWith(TestHub.DeviceId, StringComparison.Ordinal)) ?? "";
    }

    private static async Task<System.Text.Json.JsonElement> AdminApiAsync(Uri hub, string data)
    {
        using var handler = HubTrust.CaHandler(Path.Combine(data, Hub.Security.HubCertificate.PublicCertificateFileName));
        using var admin = new HttpClient(handler, disposeHandler: false) { BaseAddress = hub };
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", TestHub.AdminKey);
        var devices = await GetJsonAsync(admin, "/api/devices", Token);
        return devices.EnumerateArray().Single(d => d.GetProperty("id").GetString() == TestHub.DeviceId);
    }
}
