using System.Globalization;
using EdgeAi.Agent.Gpio;
using EdgeAi.Common.Sync;
using EdgeAi.IntegrationTests.Gpio;
using EdgeAi.IntegrationTests.Pipelines;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.Rules;

/// <summary>
/// The issue's end-to-end loop with a pipeline, a real photo and a real hub: a simulated pin edge (through the
/// driver's event thread, so the real GpioController runs) → a rule whose input is the newest photo in a folder and
/// whose target is the colour pipeline (decode, resize, normalize, the channel classifier through the router,
/// softmax, labels) → a label condition → an output pin set, and the <c>rule_fired</c> event with the label, score
/// and latency stored by the hub. The expected answer is each channel's mean over the full-size photo through the
/// classifier's formula (<see cref="PipelineRequests.Expected"/>), computed without the agent.
/// </summary>
public sealed class PipelineRuleTests : HubAndAgentTest
{
    private const string Rule = "spot";
    private const string Pipeline = "colours";

    // The photo the condition is made for, and one whose answer does not meet it (checked, not assumed, below).
    private const string MatchingPhoto = "chelsea.png";
    private const string OtherPhoto = "rocket.jpg";

    private string Frames => Path.Combine(Scratch.Root, "frames");

    // The hosts start in each test, not in InitializeAsync: the condition comes from a photo, and a missing photo
    // must skip the test (outside CI), which only an exception in the test's own body does.
    public override ValueTask InitializeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task PinEdge_PipelineRuleOnRealPhoto_OutputPinSetAndRuleFiredEventWithLabelReachesTheHub()
    {
        var photo = TestImages.Read(MatchingPhoto);
        var (labels, scores) = PipelineRequests.Expected(photo);
        await StartHostsAsync(labels[0], scores[0] * 0.9);
        await File.WriteAllBytesAsync(Path.Combine(Frames, MatchingPhoto), photo, Token);
        using var http = EdgeSettings.Http(Agent);
        (await LampAsync(http)).ShouldBe(0);

        // The world presses the button: a rising edge on the simulated input.
        (await EdgeSettings.SendAsync(http, HttpMethod.Put, "/gpio/button", """{"value": 1}""", Token)).Status.ShouldBe(200);

        await Eventually.UntilAsync(async () => await LampAsync(http) == 1, "the lamp pin set by the rule, read back through GET /gpio/lamp", Token);
        Agent.Services.GetRequiredService<GpioService>().Read("lamp").Value.ShouldBe(true);
        var fired = await Eventually.SucceedsAsync(async () =>
            (await HubStore.EventsAsync(Hub, TestHub.DeviceId, Token)).Single(e => e.Kind == "rule_fired" && e.Attributes["rule"] == Rule),
            e => e is InvalidOperationException or ShouldAssertException, "the rule_fired event stored by the hub", Token);
        fired.Attributes["trigger"].ShouldBe("gpio button=1");
        fired.Attributes["target"].ShouldBe(Pipeline);
        fired.Attributes["label"].ShouldBe(labels[0]);
        double.Parse(fired.Attributes["score"], CultureInfo.InvariantCulture).ShouldBe(scores[0], tolerance: 0.01);
        fired.Attributes["served_by"].ShouldBe("local");
        fired.Attributes["input"].ShouldEndWith(MatchingPhoto);
        var latency = double.Parse(fired.Attributes["latency_ms"], CultureInfo.InvariantCulture);
        latency.ShouldBeGreaterThan(0);
        double.Parse(fired.Attributes["inference_ms"], CultureInfo.InvariantCulture).ShouldBeInRange(0, latency);

        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), Token);
        metrics.ShouldContain($"edgeai_rule_fires_total{{rule=\"{Rule}\"}} 1");
        metrics.ShouldNotContain($"edgeai_rule_skips_total{{rule=\"{Rule}\"");
    }

    [Fact]
    public async Task PinEdge_PipelineRuleOnPhotoThatMissesTheCondition_PinUnchangedAndCountedAsSkip()
    {
        var (labels, scores) = PipelineRequests.Expected(TestImages.Read(MatchingPhoto));
        var label = labels[0];
        var minScore = scores[0] * 0.9;
        var other = TestImages.Read(OtherPhoto);
        var (otherLabels, otherScores) = PipelineRequests.Expected(other);
        var otherScore = otherScores[Array.IndexOf(otherLabels, label)];
        otherScore.ShouldBeLessThan((float)minScore, $"{OtherPhoto} must miss the condition ({label} ≥ {minScore:0.###}) for this test to mean anything");
        await StartHostsAsync(label, minScore);
        await File.WriteAllBytesAsync(Path.Combine(Frames, OtherPhoto), other, Token);
        using var http = EdgeSettings.Http(Agent);
        var writes = Agent.Services.GetRequiredService<GpioService>().WriteCounts.Single(w => w.Pin == "lamp").Writes;

        (await EdgeSettings.SendAsync(http, HttpMethod.Put, "/gpio/button", """{"value": 1}""", Token)).Status.ShouldBe(200);

        var rule = await Eventually.SucceedsAsync(async () =>
        {
            var entry = (await EdgeSettings.RuleAsync(http, Rule, Token)).ShouldNotBeNull();
            entry.GetProperty("skips").GetInt64().ShouldBe(1);
            return entry;
        }, e => e is ShouldAssertException, "the trigger counted as a skip in GET /rules", Token);
        rule.GetProperty("fires").GetInt64().ShouldBe(0);
        var last = rule.GetProperty("last");
        last.GetProperty("outcome").GetString().ShouldBe("not_matched");
        last.GetProperty("matched").GetBoolean().ShouldBeFalse();
        last.GetProperty("input").GetString().ShouldEndWith(OtherPhoto);
        // The verdict names the condition's label with the score the pipeline gave it for this photo.
        last.GetProperty("label").GetString().ShouldBe(label);
        last.GetProperty("score").GetDouble().ShouldBe(otherScore, tolerance: 0.01);

        (await LampAsync(http)).ShouldBe(0);
        Agent.Services.GetRequiredService<GpioService>().WriteCounts.Single(w => w.Pin == "lamp").Writes.ShouldBe(writes);
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), Token);
        metrics.ShouldContain($"edgeai_rule_skips_total{{rule=\"{Rule}\",reason=\"condition\"}} 1");
        metrics.ShouldContain($"edgeai_rule_fires_total{{rule=\"{Rule}\"}} 0");

        // Once the skip has reached the hub in the telemetry, the hub has no rule_fired event for the rule.
        await Eventually.UntilAsync(
            async () => (await HubStore.BodiesAsync(Hub, TestHub.DeviceId, SyncTopics.Telemetry, Token))
                .Select(b => EdgeAi.Common.Sync.Telemetry.Parser.ParseFrom(b))
                .SelectMany(t => t.Rules).Where(r => r.Rule == Rule).Sum(r => r.Skips.GetValueOrDefault("condition")) == 1,
            "the skip counted in the telemetry at the hub", Token);
        (await HubStore.EventsAsync(Hub, TestHub.DeviceId, Token)).ShouldNotContain(e => e.Kind == "rule_fired");
    }

    /// <summary>The hub, then the agent: the channel classifier, the colour pipeline over it, and the rule pressing the lamp for <paramref name="label"/> ≥ <paramref name="minScore"/>.</summary>
    private async Task StartHostsAsync(string label, double minScore)
    {
        Directory.CreateDirectory(Frames);
        Agent.Install("channels", PipelineRequests.ChannelModel());
        await File.WriteAllLinesAsync(Path.Combine(Agent.DataDirectory, "colours.txt"), PipelineRequests.ColourLabels, Token);
        await StartAsync(HostSettings.Merge(EdgeSettings.SimulatedPins(), PipelineRequests.ColourPipeline(Pipeline, "colours.txt"), new Dictionary<string, string?>
        {
            ["Telemetry:Interval"] = "00:00:00.200",
            [$"Rules:{Rule}:Trigger:Kind"] = "gpio",
            [$"Rules:{Rule}:Trigger:Pin"] = "button",
            [$"Rules:{Rule}:Input:Kind"] = "newest-file",
            [$"Rules:{Rule}:Input:Directory"] = Frames,
            [$"Rules:{Rule}:Target"] = Pipeline,
            [$"Rules:{Rule}:Condition:Kind"] = "label",
            [$"Rules:{Rule}:Condition:Label"] = label,
            [$"Rules:{Rule}:Condition:MinScore"] = minScore.ToString("R", CultureInfo.InvariantCulture),
            [$"Rules:{Rule}:Actions:0:Kind"] = "gpio-set",
            [$"Rules:{Rule}:Actions:0:Pin"] = "lamp",
            [$"Rules:{Rule}:Actions:0:Value"] = "on",
            [$"Rules:{Rule}:Actions:1:Kind"] = "event",
        }));
    }

    /// <summary>The lamp's logical value as <c>GET /gpio/lamp</c> reports it.</summary>
    private static async Task<int> LampAsync(HttpClient http)
    {
        var (status, body) = await EdgeSettings.SendAsync(http, HttpMethod.Get, "/gpio/lamp", null, Token);
        status.ShouldBe(200);
        return body.GetProperty("value").GetInt32();
    }
}
