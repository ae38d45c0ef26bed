using EdgeAi.Common.Sync;
using EdgeAi.Hub.Broker.DynamicSecurity;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using static EdgeAi.Testing.Mqtt.DeviceMqtt;

namespace EdgeAi.IntegrationTests.Broker;

/// <summary>
/// A hub whose external Mosquitto runs the dynamic security plugin (Hub:Mqtt:DynamicSecurity:Enabled): the
/// broker starts with only the hub's user; device logins are the hub's doing.
/// </summary>
public abstract class DynamicSecurityHubTest() : MosquittoHubTest(
    new Dictionary<string, string>(),
    "hub-under-test",
    new Dictionary<string, string?>
    {
        ["Hub:Mqtt:ReconnectDelay"] = "00:00:00.200",
        ["Hub:Mqtt:MaxReconnectDelay"] = "00:00:01",
        ["Hub:Mqtt:HealthCheckInterval"] = "00:00:00.500",
        // CI runs every test assembly at once on two cores: a loaded broker may take seconds to answer.
        ["Hub:Mqtt:DynamicSecurity:CommandTimeout"] = "00:00:30",
        ["Logging:LogLevel:EdgeAi.Hub.Broker"] = "Information",
    },
    dynamicSecurity: true)
{
    internal DynamicSecurityReconciler Reconciler => Hub.Services.GetRequiredService<DynamicSecurityReconciler>();

    internal DynamicSecurityLink Link => Hub.Services.GetRequiredService<DynamicSecurityLink>();

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await WaitReconciledAsync(1);
    }

    /// <summary>Until the hub's reconciler has finished <paramref name="count"/> reconciliations (one per link up) since the hub started.</summary>
    internal async Task WaitReconciledAsync(int count) =>
        await Eventually.UntilAsync(() => Task.FromResult(Reconciler.Completed >= count), () => $"reconciliation {count} with Mosquitto\n{Broker.Log}", Token);

    /// <summary>Connects as a device; the broker's refusal (not authorised) throws.</summary>
    internal Task<IMqttClient> ConnectAsync(string deviceId, string key, string? clientId = null) =>
        DeviceMqtt.ConnectAsync(DeviceOptions(Broker.Port, clientId ?? deviceId, deviceId, key).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build(), Token);

    /// <summary>
    /// Publishes the device's telemetry until the hub has stored it: the hub's shared subscription, set up in the
    /// background, gets nothing published before it (no retained messages for a shared subscription).
    /// </summary>
    internal async Task PublishUntilStoredAsync(IMqttClient device, string deviceId, int records)
    {
        var batch = TelemetryBatch(1, records);
        await Eventually.UntilAsync(async () =>
        {
            var published = await device.PublishAsync(Message(SyncTopics.For(deviceId, SyncTopics.Telemetry), batch), Token);
            published.IsSuccess.ShouldBeTrue($"{published.ReasonCode}\n{Broker.Log}");
            return await HubStore.StoredCountAsync(Hub, deviceId, SyncTopics.Telemetry, Token) == records;
        }, () => $"{deviceId}'s telemetry stored by the hub\n{Broker.Log}", Token, every: TimeSpan.FromMilliseconds(200));
    }
}
