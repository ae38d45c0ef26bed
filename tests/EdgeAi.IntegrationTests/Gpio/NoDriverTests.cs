using EdgeAi.Agent.Outbox;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.Gpio;

/// <summary>
/// Gpio:Driver libgpiod on a machine without a GPIO chip (this one has no /dev/gpiochip*): GPIO is disabled with the
/// reason, in the REST view, /metrics and the reported state; rules that need it are off and say why; inference and
/// the rules that need no GPIO go on.
/// </summary>
public sealed class NoDriverTests : IAsyncLifetime
{
    private readonly Scratch _scratch = new();
    private TestAgent _agent = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipWhen(Directory.GetFiles("/dev", "gpiochip*").Length > 0, "this machine has a GPIO chip; the test is about one without");
        _agent = new TestAgent(_scratch.Sub("agent"));
        _agent.Install("classifier", SampleModels.Classifier());
        await _agent.StartAsync(hub: null, HostSettings.Merge(EdgeSettings.SimulatedPins("libgpiod"), new Dictionary<string, string?>
        {
            ["Telemetry:Interval"] = "00:00:00.200", // the reported state goes out with each telemetry record
            ["Rules:door:Trigger:Kind"] = "gpio",
            ["Rules:door:Trigger:Pin"] = "button",
            ["Rules:door:Actions:0:Kind"] = "event",
            ["Rules:alarm:Trigger:Kind"] = "command",
            ["Rules:alarm:Actions:0:Kind"] = "gpio-set",
            ["Rules:alarm:Actions:0:Pin"] = "lamp",
            ["Rules:alarm:Actions:0:Value"] = "1",
            ["Rules:ping:Trigger:Kind"] = "command",
            ["Rules:ping:Actions:0:Kind"] = "event",
        }));
    }

    [Fact]
    public async Task NoGpioChip_AgentServes_GpioRulesOffWithTheReason()
    {
        // Inference is served.
        var answer = await _agent.Grpc.ModelInferAsync(Requests.Fp32("classifier", [1, 4], EdgeSettings.Features), cancellationToken: Token);
        Requests.Fp32Output(answer).ShouldBe(SampleModels.ClassifierReference(EdgeSettings.Features), new FloatTolerance());

        using var http = EdgeSettings.Http(_agent);
        var (_, gpio) = await EdgeSettings.SendAsync(http, HttpMethod.Get, "/gpio", null, Token);
        gpio.GetProperty("driver").GetString().ShouldBe("libgpiod");
        gpio.GetProperty("state").GetString().ShouldBe("disabled");
        gpio.GetProperty("reason").GetString().ShouldNotBeNull().ShouldContain("/dev/gpiochip0 does not exist");
        gpio.GetProperty("pins").GetArrayLength().ShouldBe(3);

        foreach (var name in new[] { "door", "alarm" })
        {
            var rule = (await EdgeSettings.RuleAsync(http, name, Token)).ShouldNotBeNull();
            rule.GetProperty("state").GetString().ShouldBe("off");
            rule.GetProperty("reason").GetString().ShouldNotBeNull().ShouldContain("it needs GPIO, which is disabled: no GPIO chip on this machine");
        }
        var (refused, problem) = await EdgeSettings.SendAsync(http, HttpMethod.Post, "/rules/alarm/fire", null, Token);
        refused.ShouldBe(409);
        problem.GetProperty("detail").GetString().ShouldNotBeNull().ShouldContain("rule 'alarm' is off: it needs GPIO");
        var (written, writeProblem) = await EdgeSettings.SendAsync(http, HttpMethod.Put, "/gpio/lamp", """{"value":1}""", Token);
        written.ShouldBe(503);
        writeProblem.GetProperty("detail").GetString().ShouldNotBeNull().ShouldContain("GPIO is disabled: no GPIO chip");

        // A rule that needs no GPIO still fires.
        var (fired, result) = await EdgeSettings.SendAsync(http, HttpMethod.Post, "/rules/ping/fire", null, Token);
        fired.ShouldBe(200);
        result.GetProperty("outcome").GetString().ShouldBe("fired");

        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), Token);
        metrics.ShouldContain("edgeai_gpio_enabled{driver=\"libgpiod\",state=\"disabled\",reason=\"no GPIO chip on this machine");

        var reported = await Eventually.SucceedsAsync(
            () => Task.FromResult(_agent.Services.GetRequiredService<DurableOutbox>().Peek(SyncTopics.Reported, 1000)
                .Select(r => ReportedState.Parser.ParseFrom(r.Payload)).Last()),
            e => e is InvalidOperationException, "a reported state", Token);
        reported.Gpio.State.ShouldBe("disabled");
        reported.Gpio.Reason.ShouldContain("no GPIO chip");
        reported.Rules.Single(r => r.Name == "door").Reason.ShouldContain("it needs GPIO");
        reported.Rules.Single(r => r.Name == "ping").State.ShouldBe("on");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_agent is not null)
            {
                await _agent.DisposeAsync();
            }
        }
        finally
        {
            _scratch.Dispose();
        }
    }

    private sealed class FloatTolerance : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) < 1e-5f;

        public int GetHashCode(float obj) => 0;
    }
}
