using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Broker;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Microsoft.Extensions.DependencyInjection;
using static EdgeAi.Testing.Mqtt.DeviceMqtt;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Broker;

/// <summary>
/// One enrolled device must not be able to push the hub out of memory: the embedded broker refuses a
/// packet over Hub:Mqtt:MaxPacketBytes from its header, before buffering it, and counts the refusal.
/// </summary>
public sealed class PacketLimitTests() : HubTest(new Dictionary<string, string?> { [$"Hub:DeviceKeys:{DeviceB}"] = DeviceBKey })
{
    private const string DeviceB = "device-b";
    private const string DeviceBKey = "device-b-key-0123456789";

    // The size that took a hub from 188 to 391 MiB in the report that found this.
    private const int AttackBytes = 48 * 1024 * 1024;

    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task Publish_OverMaxPacketBytes_DisconnectedCountedNotBuffered(MqttProtocolVersion protocol)
    {
        using var attacker = new MqttClientFactory().CreateMqttClient();
        var disconnected = new TaskCompletionSource<MqttClientDisconnectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        attacker.DisconnectedAsync += e =>
        {
            disconnected.TrySetResult(e);
            return Task.CompletedTask;
        };
        var connected = await attacker.ConnectAsync(DeviceOptions(Hub.MqttPort, TestHub.DeviceId, TestHub.DeviceId, TestHub.DeviceKey).WithProtocolVersion(protocol).Build(), Token);
        connected.ResultCode.ShouldBe(MqttClientConnectResultCode.Success);
        if (protocol == MqttProtocolVersion.V500)
        {
            // MQTT 5 clients are told the limit up front, in CONNACK.
            connected.MaximumPacketSize.ShouldBe((uint)MqttOptions.DefaultMaxPacketBytes);
        }
        using var good = await ConnectDeviceAsync(Hub.MqttPort, Token, DeviceB, DeviceBKey);
        var payload = new byte[AttackBytes];
        Random.Shared.NextBytes(payload);
        var before = Memory();

        var publish = attacker.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(SyncTopics.For(TestHub.DeviceId, SyncTopics.Telemetry))
            .WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), Token);

        await Should.ThrowAsync<Exception>(publish);
        var reason = await disconnected.Task.WaitAsync(Eventually.DefaultTimeout, Token);
        var after = Memory();
        // Logged, not asserted: the test process holds other tests' hubs too. Without the guard MQTTnet allocates the whole body (48 MiB more).
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{protocol}: {AttackBytes >> 20} MiB publish refused; allocated meanwhile {(after.Allocated - before.Allocated) >> 20} MiB, managed heap {before.Heap >> 20} -> {after.Heap >> 20} MiB, RSS {before.Rss >> 20} -> {after.Rss >> 20} MiB (whole test process)"));
        if (protocol == MqttProtocolVersion.V500)
        {
            // Told why, not just cut off.
            reason.Reason.ShouldBe(MqttClientDisconnectReason.PacketTooLarge, reason.ReasonString);
        }
        Hub.Services.GetRequiredService<MqttRefusals>().Count(TestHub.DeviceId, MqttRefusals.PacketTooLarge).ShouldBe(1);
        using var admin = AdminClient(Hub);
        var metrics = await admin.GetStringAsync(new Uri("/metrics", UriKind.Relative), Token);
        metrics.ShouldContain("# TYPE edgeai_hub_mqtt_refused_total counter");
        metrics.ShouldContain("edgeai_hub_mqtt_refused_total{device=\"device-a\",reason=\"packet_too_large\"} 1");
        (await HubStore.StoredCountAsync(Hub, TestHub.DeviceId, SyncTopics.Telemetry, Token)).ShouldBe(0);

        // Another device is served as before, and a normal batch (500 records) is well under the limit.
        var stored = await good.PublishAsync(Message(SyncTopics.For(DeviceB, SyncTopics.Telemetry), TelemetryBatch(1, 500)), Token);
        stored.ReasonCode.ShouldBe(MqttClientPublishReasonCode.Success);
        (await HubStore.StoredCountAsync(Hub, DeviceB, SyncTopics.Telemetry, Token)).ShouldBe(500);
    }

    [Fact]
    public async Task Connect_HeaderClaimingHugePacket_ClosedBeforeLoginAndCounted()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Hub.MqttPort), Token);

        // CONNECT (0x10) whose remaining length says 200,000,000 bytes: nobody has logged in yet.
        await socket.SendAsync(new byte[] { 0x10, 0x80, 0x84, 0xAF, 0x5F }, Token);

        var buffer = new byte[64];
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Token);
        wait.CancelAfter(Eventually.DefaultTimeout);
        int read;
        try
        {
            read = await socket.ReceiveAsync(buffer, wait.Token);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            read = 0;
        }
        read.ShouldBe(0, "the hub closes the connection without an answer");
        Hub.Services.GetRequiredService<MqttRefusals>().Count("", MqttRefusals.PacketTooLarge).ShouldBe(1);
        using var device = await ConnectDeviceAsync(Hub.MqttPort, Token);
        device.IsConnected.ShouldBeTrue();
    }

    /// <summary>Bytes allocated since the process started, the managed heap after a full collection, and the resident set.</summary>
    private static (long Allocated, long Heap, long Rss) Memory()
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return (allocated, GC.GetTotalMemory(forceFullCollection: false), process.WorkingSet64);
    }
}
