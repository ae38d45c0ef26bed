using System.Net.Sockets;
using System.Text;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Broker;
using EdgeAi.Hub.Ingest;
using EdgeAi.Serving.Hosting;
using EdgeAi.Serving.Store;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using static EdgeAi.Testing.Hosts.AdminApi;
using static EdgeAi.Testing.Mqtt.DeviceMqtt;

namespace EdgeAi.IntegrationTests.Fuzz;

/// <summary>
/// The MQTT surfaces, fuzzed from a logged seed: a device publishing malformed batches and statuses to
/// the hub's embedded broker (and raw bytes after its CONNECT), and the hub publishing malformed
/// desired states and commands to a device. Every publish must be answered (stored, refused as
/// malformed or not authorised — never a store failure or a dropped connection), nothing of it may
/// break the hub's admin API or dashboard data, and afterwards both sides still do their work.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class MqttFuzzTests() : HubTest(new Dictionary<string, string?> { [$"Hub:DeviceKeys:{DeviceB}"] = DeviceBKey })
{
    private const int Iterations = 300;
    private const string DeviceB = "device-b";
    private const string DeviceBKey = "device-b-key-0123456789";

    [Fact]
    public async Task DevicePublishes_Malformed_EachAnsweredAndTheHubStoresAndServesOn()
    {
        var fuzz = new MalformedMqtt(FuzzSeed.For("hub-mqtt"));
        var verdict = new FuzzVerdict("hub MQTT publishes");
        var client = await ConnectV5Async(TestHub.DeviceId, TestHub.DeviceKey);
        try
        {
            for (var i = 0; i < Iterations; i++)
            {
                var publish = fuzz.DevicePublish(TestHub.DeviceId, DeviceB);
                var message = new MqttApplicationMessageBuilder().WithTopic(publish.Topic).WithPayload(publish.Payload).WithRetainFlag(publish.Retain)
                    .WithQualityOfServiceLevel(publish.AtLeastOnce ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce).Build();
                try
                {
                    var result = await client.PublishAsync(message, Token).WaitAsync(TimeSpan.FromSeconds(20), Token);
                    // Stored, malformed, or not this device's topic: a device can act on each. A store failure
                    // (ImplementationSpecificError) or anything else would mean the hub broke on the input.
                    var allowed = result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.PayloadFormatInvalid
                        or MqttClientPublishReasonCode.NotAuthorized or MqttClientPublishReasonCode.NoMatchingSubscribers;
                    verdict.Other(i, publish.What, result.ReasonCode.ToString(), allowed);
                }
                catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or TimeoutException or OperationCanceledException && !Token.IsCancellationRequested)
                {
                    verdict.Failure(i, publish.What, e);
                }
                if (!client.IsConnected)
                {
                    verdict.Other(i, publish.What, "the hub dropped the connection", allowed: false);
                    client.Dispose();
                    client = await ConnectV5Async(TestHub.DeviceId, TestHub.DeviceKey);
                }
            }
        }
        finally
        {
            client.Dispose();
        }
        await RawPacketsAfterConnectAsync(fuzz, verdict);
        verdict.ShouldHaveNone();

        // The hub still stores a good batch, and its admin API and dashboard data read what the fuzzer left.
        using (var good = await ConnectDeviceAsync(Hub.MqttPort, Token, DeviceB, DeviceBKey))
        {
            var stored = await good.PublishAsync(Message(SyncTopics.For(DeviceB, SyncTopics.Telemetry), TelemetryBatch(1, 50)), Token);
            stored.ReasonCode.ShouldBe(MqttClientPublishReasonCode.Success);
        }
        (await HubStore.StoredCountAsync(Hub, DeviceB, SyncTopics.Telemetry, Token)).ShouldBe(50);
        using var admin = AdminClient(Hub);
        foreach (var path in new[]
        {
            "/healthz", "/metrics", "/api/devices", $"/api/devices/{TestHub.DeviceId}", $"/api/devices/{TestHub.DeviceId}/telemetry",
            $"/api/devices/{TestHub.DeviceId}/desired", "/api/fleet/devices", "/api/audit",
        })
        {
            using var response = await admin.GetAsync(new Uri(path, UriKind.Relative), Token);
            response.IsSuccessStatusCode.ShouldBeTrue($"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Token)} ({FuzzSeed.Describe})");
        }
        // The run reached the parser (malformed messages were refused as such) and never made the store fail.
        var ingest = Hub.Services.GetRequiredService<IngestMetrics>();
        ingest.Invalid.ShouldBeGreaterThan(0);
        ingest.Failures.ShouldBe(0, FuzzSeed.Describe);
    }

    [Fact]
    public async Task HubPublishes_MalformedDesiredStatesAndCommands_AgentKeepsServingAndAppliesTheNextGoodState()
    {
        var fuzz = new MalformedMqtt(FuzzSeed.For("agent-mqtt"));
        var verdict = new FuzzVerdict("agent MQTT desired state and commands");
        await using var agent = new TestAgent(Scratch.Sub("agent"));
        agent.Install("scale", SampleModels.Scale(2f));
        await agent.StartAsync(Hub, new Dictionary<string, string?> { ["Fleet:RetryDelay"] = "00:00:00.050", ["Fleet:MaxRetryDelay"] = "00:00:00.200" });
        var uplink = agent.Services.GetRequiredService<EdgeAi.Agent.Uplink.UplinkState>();
        await Eventually.UntilAsync(() => Task.FromResult(uplink.Connected), "the agent's uplink connected", Token);
        var broker = Hub.Services.GetRequiredService<IDeviceBroker>();
        var outside = Outside();

        const long maxRevision = 1_000_000_000;
        for (var i = 0; i < Iterations / 2; i++)
        {
            var publish = fuzz.HubPublish(TestHub.DeviceId, maxRevision);
            var message = new MqttApplicationMessageBuilder().WithTopic(publish.Topic).WithPayload(publish.Payload).WithRetainFlag(publish.Retain)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            (await broker.PublishAsync(message, Token)).ShouldBeTrue("the broker is running");
            if (i % 10 == 9)
            {
                // What the device serves on its own does not depend on what the fleet sent it.
                var answer = await agent.Grpc.ModelInferAsync(Requests.Fp32("scale", [1, 2], [1, 2]), cancellationToken: Token);
                verdict.Other(i, publish.What, $"local inference {answer.Parameters["edgeai.served_by"].StringParam}", Requests.Fp32Output(answer).SequenceEqual([2f, 4f]));
            }
        }

        // After the storm the device still serves its own model. (Checked before the good state: that state names
        // no models, so the reconciler may unload this one as soon as it applies.)
        (await agent.Grpc.ModelInferAsync(Requests.Fp32("scale", [1, 2], [1, 2]), cancellationToken: Token)).Parameters["edgeai.served_by"].StringParam.ShouldBe("local");

        // A good state after the storm still applies: its config takes effect.
        var good = new DesiredState { Revision = maxRevision * 2, Config = { ["Telemetry:SampleRate"] = "0.25" } };
        await broker.PublishAsync(Message(SyncTopics.For(TestHub.DeviceId, SyncTopics.Desired), good, retain: true), Token);
        var telemetry = agent.Services.GetRequiredService<IOptionsMonitor<EdgeAi.Agent.Telemetry.TelemetryOptions>>();
        await Eventually.UntilAsync(() => Task.FromResult(telemetry.CurrentValue.SampleRate == 0.25), () => $"the good desired state applied ({FuzzSeed.Describe})", Token);
        verdict.ShouldHaveNone();

        agent.Services.GetRequiredService<LoopSupervisor>().Restarts.ShouldAllBe(loop => loop.Value == 0, $"a loop failed on the input ({FuzzSeed.Describe})");
        // Names such as "../escape" in a desired state must not make the agent write outside its data directory.
        Outside().ShouldBe(outside, $"files appeared outside the agent's data directory ({FuzzSeed.Describe})");
        using var http = new HttpClient();
        (await http.GetAsync(new Uri(agent.HttpUri, "/metrics"), Token)).IsSuccessStatusCode.ShouldBeTrue();
    }

    /// <summary>Logs in as a device over a raw socket, sends broken packets, and expects the broker to go on serving others.</summary>
    private async Task RawPacketsAfterConnectAsync(MalformedMqtt fuzz, FuzzVerdict verdict)
    {
        for (var i = 0; i < Iterations / 10; i++)
        {
            var (bytes, what) = fuzz.RawAfterConnect();
            using var socket = new TcpClient();
            await socket.ConnectAsync("127.0.0.1", Hub.MqttPort, Token);
            var stream = socket.GetStream();
            await stream.WriteAsync(ConnectPacket(DeviceB, DeviceBKey), Token);
            var connack = new byte[4];
            await stream.ReadExactlyAsync(connack, Token);
            verdict.Other(i, "raw CONNECT", $"CONNACK {Convert.ToHexString(connack)}", connack[0] == 0x20 && connack[3] == 0);
            try
            {
                await stream.WriteAsync(bytes, Token);
                // Whatever the broker answers (or closes), it must not take long to decide.
                using var read = CancellationTokenSource.CreateLinkedTokenSource(Token);
                read.CancelAfter(TimeSpan.FromSeconds(2));
                var buffer = new byte[256];
                while (await stream.ReadAsync(buffer, read.Token) > 0)
                {
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException && !Token.IsCancellationRequested)
            {
                // Reset, closed, or still open after 2 s: all fine, as long as the broker serves the next client.
            }
            verdict.Other(i, $"raw {what}", "sent", allowed: true);
        }
    }

    /// <summary>An MQTT 3.1.1 CONNECT with user name and password, clean session.</summary>
    private static byte[] ConnectPacket(string clientId, string password)
    {
        static byte[] Str(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            return [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];
        }
        byte[] body = [.. Str("MQTT"), 0x04, 0xC2, 0x00, 0x3C, .. Str(clientId), .. Str(clientId), .. Str(password)];
        return [0x10, (byte)body.Length, .. body];
    }

    private async Task<IMqttClient> ConnectV5Async(string device, string key) =>
        await ConnectAsync(DeviceOptions(Hub.MqttPort, device, device, key).WithProtocolVersion(MqttProtocolVersion.V500).Build(), Token);

    /// <summary>
    /// Everything under the scratch directory outside the hub's and the agent's data, plus what inside the
    /// agent's data has a name the agent would never choose: a desired model named "../escape" must land nowhere.
    /// </summary>
    private string[] Outside()
    {
        var agent = Path.Combine(Scratch.Root, "agent");
        var outside = Directory.EnumerateFileSystemEntries(Scratch.Root).Where(e => e != agent && e != Path.Combine(Scratch.Root, "hub"));
        var unexpected = Directory.Exists(agent)
            ? Directory.EnumerateFileSystemEntries(agent, "*", SearchOption.AllDirectories)
                .Where(e => Path.GetRelativePath(agent, e).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.') || part.Contains("escape", StringComparison.Ordinal)))
                // The store's own marker of a model's active version (models/{name}/.active) is where it belongs: a fuzzed
                // state naming "scale" may set or clear it (seed 1944440011 does, before and after model variants).
                .Where(e => !(Path.GetFileName(e) == ModelStore.ActiveFileName && Path.GetRelativePath(agent, e).Split(Path.DirectorySeparatorChar) is ["models", var model, _] && !model.StartsWith('.')))
            : [];
        return [.. outside.Concat(unexpected).Order(StringComparer.Ordinal)];
    }
}
