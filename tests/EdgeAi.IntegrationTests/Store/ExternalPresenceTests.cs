using System.Net.Http.Headers;
using System.Text.Json;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Security;
using Google.Protobuf;
using MQTTnet;
using MQTTnet.Protocol;
using static EdgeAi.Testing.Mqtt.DeviceMqtt;

namespace EdgeAi.IntegrationTests.Store;

/// <summary>
/// Presence after a hub restart with an external broker (Mosquitto keeps the devices' connections and their
/// retained status while the hub is away): the restarted hub re-learns it from the retained statuses, so a
/// device that stayed connected is online and one that dropped meanwhile (its will, retained) is offline,
/// whatever the crashed hub left in the store.
/// </summary>
[Trait("Category", "Fault")]
public sealed class ExternalPresenceTests : IDisposable
{
    private const string Stays = "stays-1";
    private const string Drops = "drops-1";

    private readonly Scratch _scratch = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task HubKilled_DeviceDropsMeanwhile_RestartedHubSaysDroppedOfflineAndStayingOnline()
    {
        await using var mosquitto = new MosquittoBroker(_scratch.Sub("mosquitto"));
        mosquitto.AddDevice(Stays, Password(Stays));
        mosquitto.AddDevice(Drops, Password(Drops));
        await mosquitto.StartAsync(Token);
        var data = _scratch.Sub("hub");
        var settings = new Dictionary<string, string>
        {
            ["Hub:AdminKey"] = TestHub.AdminKey,
            ["Hub:Mqtt:ReconnectDelay"] = "00:00:00.200",
        };
        foreach (var (key, value) in mosquitto.HubSettings("presence-hub"))
        {
            settings[key] = value!;
        }

        var hub = await HubProcess.StartAsync(data, settings, embeddedBroker: false);
        using var stays = await ConnectWithWillAsync(mosquitto.Port, Stays);
        var drops = await ConnectWithWillAsync(mosquitto.Port, Drops);
        try
        {
            // Live statuses reach the hub through its shared subscription (said again until heard: it may still be subscribing).
            await Eventually.UntilAsync(async () =>
            {
                var states = await StatesAsync(hub.Uri, data);
                if (states.GetValueOrDefault(Stays) == "online" && states.GetValueOrDefault(Drops) == "online")
                {
                    return true;
                }
                await AnnounceAsync(stays, Stays);
                await AnnounceAsync(drops, Drops);
                return false;
            }, "both devices online before the crash", Token);
            var port = hub.Uri.Port;
            await hub.KillAsync();
            await hub.DisposeAsync();

            // While the hub is away one device drops without a goodbye: Mosquitto publishes its will, retained.
            drops.Dispose();
            await Eventually.UntilAsync(() => Task.FromResult(mosquitto.Log.Contains($"Client {Drops} closed its connection", StringComparison.Ordinal)
                || mosquitto.Log.Contains($"Client {Drops} disconnected", StringComparison.Ordinal)), () => $"Mosquitto to drop {Drops}:\n{mosquitto.Log}", Token);

            hub = await HubProcess.StartAsync(data, settings, port, embeddedBroker: false);
            // The store still says what the crashed hub left (both online) until the retained statuses are re-read.
            Dictionary<string, string> after = [];
            await Eventually.UntilAsync(async () => (after = await StatesAsync(hub.Uri, data)).GetValueOrDefault(Drops) == "offline",
                () => $"{Drops} offline after the restart (now {string.Join(", ", after)}):\n{hub.Output}", Token);
            after[Stays].ShouldBe("online", "it never left: the restart must not say otherwise");
            var dropped = await DeviceAsync(hub.Uri, data, Drops);
            dropped.GetProperty("online").GetBoolean().ShouldBeFalse();
        }
        finally
        {
            drops.Dispose();
            await hub.DisposeAsync();
        }
    }

    private static string Password(string device) => $"{device}-password-0123456789";

    /// <summary>Connects with the agent's retained Last Will, then publishes a retained "online" status as the agent does on every connect.</summary>
    private static async Task<IMqttClient> ConnectWithWillAsync(int port, string device)
    {
        var will = new Status { Online = false, Reason = "connection lost" };
        var options = DeviceOptions(port, device, device, Password(device))
            .WithWillTopic(SyncTopics.For(device, SyncTopics.Status))
            .WithWillPayload(will.ToByteArray())
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var client = await ConnectAsync(options, Token);
        await AnnounceAsync(client, device);
        return client;
    }

    private static async Task AnnounceAsync(IMqttClient client, string device) =>
        (await client.PublishAsync(Message(SyncTopics.For(device, SyncTopics.Status), Online(), retain: true), Token)).IsSuccess.ShouldBeTrue();

    private static async Task<Dictionary<string, string>> StatesAsync(Uri hub, string data)
    {
        var devices = await DevicesAsync(hub, data);
        return devices.EnumerateArray().ToDictionary(d => d.GetProperty("id").GetString()!, d => d.GetProperty("state").GetString()!, StringComparer.Ordinal);
    }

    private static async Task<JsonElement> DeviceAsync(Uri hub, string data, string device) =>
        (await DevicesAsync(hub, data)).EnumerateArray().Single(d => d.GetProperty("id").GetString() == device);

    private static async Task<JsonElement> DevicesAsync(Uri hub, string data)
    {
        using var handler = HubTrust.CaHandler(Path.Combine(data, HubCertificate.PublicCertificateFileName));
        using var admin = new HttpClient(handler, disposeHandler: false) { BaseAddress = hub };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestHub.AdminKey);
        return await AdminApi.GetJsonAsync(admin, "/api/devices", Token);
    }
}
