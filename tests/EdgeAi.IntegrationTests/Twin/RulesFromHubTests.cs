using System.Net;
using System.Text;
using EdgeAi.IntegrationTests.Gpio;

namespace EdgeAi.IntegrationTests.Twin;

/// <summary>
/// Rules set from the hub's twin (PUT /api/devices/{id}/config with Rules:* keys) replace the running set without a
/// restart; a set that does not validate is refused whole, the previous set keeps running and config_refused reaches
/// the hub.
/// </summary>
public sealed class RulesFromHubTests : HubAndAgentTest
{
    public override ValueTask InitializeAsync() => new(StartAsync(HostSettings.Merge(EdgeSettings.SimulatedPins(), new Dictionary<string, string?>
    {
        // A local rule: the hub's keys add to the local ones, and win where both set a key.
        ["Rules:local:Trigger:Kind"] = "command",
        ["Rules:local:Actions:0:Kind"] = "event",
    })));

    [Fact]
    public async Task TwinRules_ReplacedWhileRunning_NewSetActsAndARefusedSetKeepsThePrevious()
    {
        using var admin = AdminApi.AdminClient(Hub);
        using var http = EdgeSettings.Http(Agent);

        // 1. The button sets the lamp.
        await PutConfigAsync(admin, """
            {"Rules:light:Trigger:Kind": "gpio", "Rules:light:Trigger:Pin": "button",
             "Rules:light:Actions:0:Kind": "gpio-set", "Rules:light:Actions:0:Pin": "lamp", "Rules:light:Actions:0:Value": "1"}
            """);
        await Eventually.UntilAsync(async () => await EdgeSettings.RuleAsync(http, "light", Token) is not null, "rule light in effect", Token);
        (await EdgeSettings.RuleAsync(http, "local", Token)).ShouldNotBeNull();
        await PressAsync(http);
        await Eventually.UntilAsync(() => Task.FromResult(EdgeSettings.High(Agent, EdgeSettings.LampLine)), "the lamp set by rule light", Token);

        // 2. Replaced: the button now sets the relay, and no longer touches the lamp.
        (await EdgeSettings.SendAsync(http, HttpMethod.Put, "/gpio/lamp", """{"value":0}""", Token)).Status.ShouldBe(200);
        await PutConfigAsync(admin, """
            {"Rules:relay:Trigger:Kind": "gpio", "Rules:relay:Trigger:Pin": "button",
             "Rules:relay:Actions:0:Kind": "gpio-set", "Rules:relay:Actions:0:Pin": "relay", "Rules:relay:Actions:0:Value": "1"}
            """);
        await Eventually.UntilAsync(async () => await EdgeSettings.RuleAsync(http, "light", Token) is null && await EdgeSettings.RuleAsync(http, "relay", Token) is not null,
            "rule light replaced by rule relay", Token);
        await PressAsync(http);
        await Eventually.UntilAsync(() => Task.FromResult(EdgeSettings.High(Agent, EdgeSettings.RelayLine)), "the relay set by rule relay", Token);
        EdgeSettings.High(Agent, EdgeSettings.LampLine).ShouldBeFalse("the replaced rule no longer runs");

        // 3. A set that writes an input pin is refused whole: rule relay stays, rule bad never appears.
        await PutConfigAsync(admin, """
            {"Rules:relay:Trigger:Kind": "gpio", "Rules:relay:Trigger:Pin": "button",
             "Rules:relay:Actions:0:Kind": "gpio-set", "Rules:relay:Actions:0:Pin": "relay", "Rules:relay:Actions:0:Value": "1",
             "Rules:bad:Trigger:Kind": "command", "Rules:bad:Actions:0:Kind": "gpio-set", "Rules:bad:Actions:0:Pin": "button", "Rules:bad:Actions:0:Value": "1"}
            """);
        var refusal = await Eventually.SucceedsAsync(async () =>
            (await HubStore.EventsAsync(Hub, TestHub.DeviceId, Token)).Single(e => e.Kind == "config_refused"),
            e => e is InvalidOperationException, "config_refused at the hub", Token);
        refusal.Attributes["key"].ShouldBe("Rules:*");
        refusal.Attributes["error"].ShouldContain("Rules:bad:Actions:0:Pin 'button' is an input");
        (await EdgeSettings.RuleAsync(http, "bad", Token)).ShouldBeNull();
        (await EdgeSettings.RuleAsync(http, "relay", Token)).ShouldNotBeNull();
        (await EdgeSettings.RuleAsync(http, "local", Token)).ShouldNotBeNull();
    }

    private static async Task PutConfigAsync(HttpClient admin, string json)
    {
        using var put = await admin.PutAsync(new Uri($"/api/devices/{TestHub.DeviceId}/config", UriKind.Relative),
            new StringContent(json, Encoding.UTF8, "application/json"), Token);
        put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync(Token));
    }

    /// <summary>A press and release of the simulated button.</summary>
    private static async Task PressAsync(HttpClient http)
    {
        (await EdgeSettings.SendAsync(http, HttpMethod.Put, "/gpio/button", """{"value":1}""", Token)).Status.ShouldBe(200);
        (await EdgeSettings.SendAsync(http, HttpMethod.Put, "/gpio/button", """{"value":0}""", Token)).Status.ShouldBe(200);
    }
}
