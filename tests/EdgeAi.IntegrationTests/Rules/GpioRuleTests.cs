using System.Globalization;
using EdgeAi.Agent.Rules;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using EdgeAi.Hub.Broker;
using EdgeAi.IntegrationTests.Gpio;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeAi.IntegrationTests.Rules;

/// <summary>
/// The loop the issue asks for, with a real hub: a simulated pin edge (driven through the driver's callback path,
/// so the real GpioController runs) → a rule that classifies its input file with the classifier model → an output
/// pin changes and the <c>rule_fired</c> event, with the result and latency, reaches the hub; and the hub's
/// <c>fire_rule</c> command firing a rule.
/// </summary>
public sealed class GpioRuleTests : HubAndAgentTest
{
    public override async ValueTask InitializeAsync()
    {
        Agent.Install("classifier", SampleModels.Classifier());
        var frames = Path.Combine(Scratch.Root, "frames");
        EdgeSettings.WriteFeatures(frames);
        var (label, score) = EdgeSettings.ExpectedClass();
        await StartAsync(HostSettings.Merge(EdgeSettings.SimulatedPins(), new Dictionary<string, string?>
        {
            ["Telemetry:Interval"] = "00:00:00.200",
            ["Rules:door:Trigger:Kind"] = "gpio",
            ["Rules:door:Trigger:Pin"] = "button",
            ["Rules:door:Input:Kind"] = "newest-file",
            ["Rules:door:Input:Directory"] = frames,
            ["Rules:door:Input:Pattern"] = "*.json",
            ["Rules:door:Target"] = "classifier",
            ["Rules:door:Condition:Kind"] = "label",
            ["Rules:door:Condition:Label"] = label,
            ["Rules:door:Condition:MinScore"] = (score * 0.9).ToString(CultureInfo.InvariantCulture),
            ["Rules:door:Actions:0:Kind"] = "gpio-set",
            ["Rules:door:Actions:0:Pin"] = "lamp",
            ["Rules:door:Actions:0:Value"] = "on",
            ["Rules:door:Actions:1:Kind"] = "event",
            ["Rules:remote:Trigger:Kind"] = "command",
            ["Rules:remote:Actions:0:Kind"] = "gpio-pulse",
            ["Rules:remote:Actions:0:Pin"] = "relay",
            ["Rules:remote:Actions:0:PulseLength"] = "00:00:00.050",
            ["Rules:remote:Actions:1:Kind"] = "event",
        }));
    }

    [Fact]
    public async Task PinEdge_ClassifierRule_OutputPinSetAndRuleFiredEventReachesTheHub()
    {
        var (label, _) = EdgeSettings.ExpectedClass();
        using var http = EdgeSettings.Http(Agent);
        EdgeSettings.High(Agent, EdgeSettings.LampLine).ShouldBeFalse();

        // The world presses the button: a rising edge on the simulated input, through the driver's event thread.
        var (status, _) = await EdgeSettings.SendAsync(http, HttpMethod.Put, "/gpio/button", """{"value": 1}""", Token);
        status.ShouldBe(200);

        await Eventually.UntilAsync(() => Task.FromResult(EdgeSettings.High(Agent, EdgeSettings.LampLine)), "the lamp pin set by the rule", Token);
        var fired = await Eventually.SucceedsAsync(async () =>
            (await HubStore.EventsAsync(Hub, TestHub.DeviceId, Token)).Single(e => e.Kind == "rule_fired" && e.Attributes["rule"] == "door"),
            e => e is InvalidOperationException or ShouldAssertException, "the rule_fired event stored by the hub", Token);
        fired.Attributes["trigger"].ShouldBe("gpio button=1");
        fired.Attributes["target"].ShouldBe("classifier");
        fired.Attributes["label"].ShouldBe(label);
        fired.Attributes["served_by"].ShouldBe("local");
        double.Parse(fired.Attributes["latency_ms"], CultureInfo.InvariantCulture).ShouldBeGreaterThan(0);
        double.Parse(fired.Attributes["inference_ms"], CultureInfo.InvariantCulture).ShouldBeLessThanOrEqualTo(double.Parse(fired.Attributes["latency_ms"], CultureInfo.InvariantCulture));
        fired.Attributes["input"].ShouldEndWith("frame.json");

        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), Token);
        metrics.ShouldContain("edgeai_rule_fires_total{rule=\"door\"} 1");
        metrics.ShouldContain("edgeai_gpio_edges_total{pin=\"button\",verdict=\"triggered\"} 1");
        metrics.ShouldContain("# TYPE edgeai_rule_fires_total counter");

        // The fire is in the telemetry the hub stored too, counted for the rule.
        await Eventually.UntilAsync(
            async () => (await HubStore.BodiesAsync(Hub, TestHub.DeviceId, SyncTopics.Telemetry, Token))
                .Select(b => EdgeAi.Common.Sync.Telemetry.Parser.ParseFrom(b))
                .SelectMany(t => t.Rules).Where(r => r.Rule == "door").Sum(r => r.Fires) == 1,
            "the rule's fire counted in the telemetry at the hub", Token);
    }

    [Fact]
    public async Task HubCommand_FireRule_RuleFiresAndTheCommandEventSaysSo()
    {
        var uplink = Agent.Services.GetRequiredService<EdgeAi.Agent.Uplink.UplinkState>();
        await Eventually.UntilAsync(() => Task.FromResult(uplink.Connected), "the agent's uplink connected", Token);
        var writes = Agent.Services.GetRequiredService<EdgeAi.Agent.Gpio.GpioService>().WriteCounts.Single(w => w.Pin == "relay").Writes;

        var command = new Command { Id = "c-42", Name = RuleEngine.FireCommand, Arguments = { ["rule"] = "remote" } };
        var message = new MqttApplicationMessageBuilder().WithTopic(SyncTopics.For(TestHub.DeviceId, SyncTopics.Commands)).WithPayload(command.ToByteArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        (await Hub.Services.GetRequiredService<IDeviceBroker>().PublishAsync(message, Token)).ShouldBeTrue("the broker is running");

        var events = await Eventually.SucceedsAsync(async () =>
        {
            var stored = await HubStore.EventsAsync(Hub, TestHub.DeviceId, Token);
            stored.ShouldContain(e => e.Kind == "rule_fired" && e.Attributes["rule"] == "remote");
            return stored;
        }, e => e is ShouldAssertException, "the remote rule's rule_fired event at the hub", Token);
        events.Single(e => e.Kind == "rule_fired").Attributes["trigger"].ShouldBe("command c-42");
        events.Single(e => e.Kind == "command_received").Message.ShouldContain("firing rule 'remote'");
        // A pulse: the relay went on and back off.
        await Eventually.UntilAsync(
            () => Task.FromResult(Agent.Services.GetRequiredService<EdgeAi.Agent.Gpio.GpioService>().WriteCounts.Single(w => w.Pin == "relay").Writes == writes + 2),
            "the relay pulsed (on, then off)", Token);
        EdgeSettings.High(Agent, EdgeSettings.RelayLine).ShouldBeFalse();
    }
}
