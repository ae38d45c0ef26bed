using EdgeAi.Agent.Hosting;
using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.Routing;
using EdgeAi.Agent.Telemetry;
using EdgeAi.Agent.Twin;
using EdgeAi.Common.Sync;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Tests.Twin;

/// <summary>The hub's desired configuration on the real agent composition (built, not started: no sockets).</summary>
public sealed class LiveConfigTests : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-twin-").FullName;
    private readonly WebApplication _app;

    public LiveConfigTests() => _app = AgentHost.Build(new Dictionary<string, string?>
    {
        ["Agent:DataDirectory"] = _dir,
        ["Routing:DefaultPolicy"] = "local-first",
        ["Routing:Models:m:ConfidenceThreshold"] = "0.4",
        ["Telemetry:SampleRate"] = "0.01",
    });

    private LiveConfig Live => _app.Services.GetRequiredService<LiveConfig>();

    private IOptionsMonitor<RoutingOptions> Routing => _app.Services.GetRequiredService<IOptionsMonitor<RoutingOptions>>();

    private IOptionsMonitor<EdgeAi.Agent.Rules.RulesOptions> Rules => _app.Services.GetRequiredService<IOptionsMonitor<EdgeAi.Agent.Rules.RulesOptions>>();

    private IOptionsMonitor<TelemetryOptions> Telemetry => _app.Services.GetRequiredService<IOptionsMonitor<TelemetryOptions>>();

    [Fact]
    public void Apply_LiveKeys_WinOverLocalConfigurationWithoutRestart()
    {
        var state = State(("Telemetry:SampleRate", "0.5"), ("Telemetry:InferenceRecords", "Sampled"), ("Routing:Models:m:ConfidenceThreshold", "0.9"));
        state.Models.Add(new DesiredModel { Name = "m", Version = "1", RoutingPolicy = "cloud-first" });

        Live.Apply(state).ShouldBeEmpty();

        Telemetry.CurrentValue.SampleRate.ShouldBe(0.5);
        Telemetry.CurrentValue.InferenceRecords.ShouldBe(InferenceRecordMode.Sampled);
        Routing.CurrentValue.ConfidenceThresholdFor("m").ShouldBe(0.9);
        Routing.CurrentValue.PolicyFor("m").ShouldBe("cloud-first");
        EffectiveConfig.Describe(Routing.CurrentValue, Telemetry.CurrentValue)["Telemetry:SampleRate"].ShouldBe("0.5");
    }

    [Fact]
    public void Apply_KeyNoLongerDesired_FallsBackToLocalValue()
    {
        Live.Apply(State(("Telemetry:SampleRate", "0.5")));

        Live.Apply(State());

        Telemetry.CurrentValue.SampleRate.ShouldBe(0.01);
    }

    [Fact]
    public void Apply_InvalidValue_RefusedKeepsPreviousAppliesTheRestAndReportsAnEvent()
    {
        Live.Apply(State(("Routing:Models:m:ConfidenceThreshold", "0.7")));

        var refused = Live.Apply(State(("Routing:Models:m:ConfidenceThreshold", "7"), ("Telemetry:SampleRate", "abc"), ("Routing:DefaultPolicy", "cloud-first")));

        refused.Select(r => r.Key).Order().ShouldBe(["Routing:Models:m:ConfidenceThreshold", "Telemetry:SampleRate"]);
        refused.Single(r => r.Key == "Telemetry:SampleRate").Reason.ShouldContain("Telemetry:SampleRate");
        refused.Single(r => r.Key.StartsWith("Routing", StringComparison.Ordinal)).Reason.ShouldContain("between 0 and 1");
        Routing.CurrentValue.ConfidenceThresholdFor("m").ShouldBe(0.7);
        Routing.CurrentValue.DefaultPolicy.ShouldBe("cloud-first");
        Telemetry.CurrentValue.SampleRate.ShouldBe(0.01);
        var events = Events();
        events.ShouldContain(e => e.Kind == "config_refused" && e.Attributes["key"] == "Telemetry:SampleRate");
        events.ShouldContain(e => e.Kind == "config_refused" && e.Attributes["key"] == "Routing:Models:m:ConfidenceThreshold" && e.Attributes["value"] == "7");
    }

    [Fact]
    public void Apply_SameRefusalAgain_IsReportedOnce()
    {
        Live.Apply(State(("Routing:DefaultPolicy", "sideways")));
        Live.Apply(State(("Routing:DefaultPolicy", "sideways")));

        Events().Count(e => e.Kind == "config_refused").ShouldBe(1);
    }

    [Fact]
    public void Apply_KeyThatNeedsARestartOrIsNotTheHubs_IsRefused()
    {
        var refused = Live.Apply(State(("Cloud:HubUrl", "https://evil.example"), ("Agent:DataDirectory", "/"), ("Telemetry:SampleQueue", "32")));

        refused.Select(r => r.Key).ShouldBe(["Cloud:HubUrl", "Agent:DataDirectory", "Telemetry:SampleQueue"], ignoreOrder: true);
        refused.ShouldAllBe(r => r.Reason.Contains("cannot be set from the hub"));
        _app.Services.GetRequiredService<IConfiguration>()["Cloud:HubUrl"].ShouldBeNull();
    }

    [Fact]
    public void Apply_Change_FiresTheOptionsMonitor()
    {
        var seen = new List<double>();
        using var subscription = Telemetry.OnChange(o => seen.Add(o.SampleRate));

        Live.Apply(State(("Telemetry:SampleRate", "0.25")));

        seen.ShouldContain(0.25);
    }

    [Fact]
    public void Apply_ValidRuleSetBesideABadKey_TheRuleSetAppliesWhole()
    {
        // Alone, each key of a new rule is an incomplete rule: the set must be judged as one.
        var refused = Live.Apply(State(("Rules:ping:Trigger:Kind", "command"), ("Rules:ping:Actions:0:Kind", "event"), ("Telemetry:SampleRate", "abc")));

        refused.ShouldHaveSingleItem().Key.ShouldBe("Telemetry:SampleRate");
        var rule = Rules.CurrentValue.Rules["ping"];
        rule.Trigger.Kind.ShouldBe("command");
        rule.Actions.ShouldHaveSingleItem().Kind.ShouldBe("event");
    }

    [Fact]
    public void Apply_BadRuleSet_RefusedWholeOnceAndThePreviousSetStays()
    {
        Live.Apply(State(("Rules:ping:Trigger:Kind", "command"), ("Rules:ping:Actions:0:Kind", "event"))).ShouldBeEmpty();

        var refused = Live.Apply(State(
            ("Rules:ping:Trigger:Kind", "interval"), ("Rules:ping:Trigger:Interval", "00:00:01"), ("Rules:ping:Actions:0:Kind", "event"),
            ("Rules:door:Trigger:Kind", "gpio"), ("Rules:door:Trigger:Pin", "button"), ("Rules:door:Actions:0:Kind", "event")));

        var refusal = refused.ShouldHaveSingleItem();
        refusal.Key.ShouldBe("Rules:*");
        refusal.Reason.ShouldContain("Rules:door:Trigger:Pin 'button' is not a configured pin (Gpio:Pins is empty)");
        Rules.CurrentValue.Rules.Keys.ShouldBe(["ping"]);
        Rules.CurrentValue.Rules["ping"].Trigger.Kind.ShouldBe("command", "the previous set, not half of the new one");
        Events().Count(e => e.Kind == "config_refused" && e.Attributes["key"] == "Rules:*").ShouldBe(1);
    }

    [Fact]
    public void Apply_RulesNoLongerDesired_Removed()
    {
        Live.Apply(State(("Rules:ping:Trigger:Kind", "command"), ("Rules:ping:Actions:0:Kind", "event")));

        Live.Apply(State()).ShouldBeEmpty();

        Rules.CurrentValue.Rules.ShouldBeEmpty();
    }

    [Fact]
    public void LocalFiles_AreNotReloadedWhileRunning()
    {
        var providers = ((IConfigurationRoot)_app.Services.GetRequiredService<IConfiguration>()).Providers;

        providers.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationProvider>().ShouldNotBeEmpty();
        providers.OfType<Microsoft.Extensions.Configuration.Json.JsonConfigurationProvider>().ShouldAllBe(p => !p.Source.ReloadOnChange);
        providers.Last().ShouldBeOfType<DesiredConfiguration>();
    }

    private List<DeviceEvent> Events() =>
        [.. _app.Services.GetRequiredService<DurableOutbox>().Peek(SyncTopics.Events, 1000).Select(r => DeviceEvent.Parser.ParseFrom(r.Payload))];

    private static DesiredState State(params (string Key, string Value)[] config)
    {
        var state = new DesiredState { Revision = 1 };
        foreach (var (key, value) in config)
        {
            state.Config[key] = value;
        }
        return state;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
