using EdgeAi.Common.Onnx;
using EdgeAi.IntegrationTests.Gpio;

namespace EdgeAi.IntegrationTests.Rules;

/// <summary>
/// A rule whose input is the file a capture command writes (run directly, no shell): the file is classified; a
/// command that hangs is killed after its timeout and the fire fails at its input stage, counted and reported,
/// while the agent and its other rules go on.
/// </summary>
public sealed class CaptureInputTests : IAsyncLifetime
{
    private readonly Scratch _scratch = new();
    private TestAgent _agent = null!;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var camera = EdgeSettings.WriteFeatures(_scratch.Sub("camera"));
        var shot = Path.Combine(_scratch.Sub("shots"), "shot.json");
        _agent = new TestAgent(_scratch.Sub("agent"));
        _agent.Install("classifier", SampleModels.Classifier());
        await _agent.StartAsync(hub: null, new Dictionary<string, string?>
        {
            // "The camera": cp writes the picture the rule then classifies.
            ["Rules:snap:Trigger:Kind"] = "command",
            ["Rules:snap:Input:Kind"] = "capture",
            ["Rules:snap:Input:Command"] = "/bin/cp",
            ["Rules:snap:Input:Arguments:0"] = camera,
            ["Rules:snap:Input:Arguments:1"] = "{output}",
            ["Rules:snap:Input:OutputFile"] = shot,
            ["Rules:snap:Target"] = "classifier",
            ["Rules:snap:Actions:0:Kind"] = "event",
            // A camera that never answers.
            ["Rules:stuck:Trigger:Kind"] = "command",
            ["Rules:stuck:Input:Kind"] = "capture",
            ["Rules:stuck:Input:Command"] = "/bin/sleep",
            ["Rules:stuck:Input:Arguments:0"] = "30",
            ["Rules:stuck:Input:OutputFile"] = Path.Combine(_scratch.Root, "never.json"),
            ["Rules:stuck:Input:Timeout"] = "00:00:00.300",
            ["Rules:stuck:Target"] = "classifier",
            ["Rules:stuck:Actions:0:Kind"] = "event",
        });
    }

    [Fact]
    public async Task Fire_CaptureCommandWritesTheFile_ItIsClassified()
    {
        using var http = EdgeSettings.Http(_agent);

        var (status, result) = await EdgeSettings.SendAsync(http, HttpMethod.Post, "/rules/snap/fire", null, Token);

        status.ShouldBe(200);
        result.GetProperty("outcome").GetString().ShouldBe("fired");
        result.GetProperty("input").GetString().ShouldEndWith("shot.json");
        result.GetProperty("label").GetString().ShouldBe(EdgeSettings.ExpectedClass().Label);
    }

    [Fact]
    public async Task Fire_CaptureCommandHangs_KilledAfterItsTimeoutAndCountedAsAnInputFailure()
    {
        using var http = EdgeSettings.Http(_agent);
        var started = System.Diagnostics.Stopwatch.StartNew();

        var (status, result) = await EdgeSettings.SendAsync(http, HttpMethod.Post, "/rules/stuck/fire", null, Token);

        status.ShouldBe(200);
        started.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20), "killed after its 300 ms, not left for its 30 s");
        result.GetProperty("outcome").GetString().ShouldBe("failed");
        result.GetProperty("reason").GetString().ShouldNotBeNull().ShouldContain("capture command /bin/sleep did not finish within 00:00:00.3000000 and was killed");
        var metrics = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative), Token);
        metrics.ShouldContain("edgeai_rule_failures_total{rule=\"stuck\",stage=\"input\"} 1");
        // The other rule still fires.
        (await EdgeSettings.SendAsync(http, HttpMethod.Post, "/rules/snap/fire", null, Token)).Body.GetProperty("outcome").GetString().ShouldBe("fired");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _agent.DisposeAsync();
        }
        finally
        {
            _scratch.Dispose();
        }
    }
}
