using EdgeAi.Common.Onnx;
using EdgeAi.IntegrationTests.Pipelines;

namespace EdgeAi.IntegrationTests.Fuzz;

/// <summary>
/// A real hub and a real agent falling back to it, started once for all fuzz tests. The agent has
/// small models of each kind; the hub has more, some only there, so local-first requests escalate.
/// Two image pipelines: <see cref="LocalPipeline"/> over a model both have, <see cref="HubPipeline"/> over one
/// only the hub has (its model step always goes to the hub).
/// Request limits are small (1 MiB) so over-limit inputs are cheap to make.
/// </summary>
public sealed class FuzzHosts : IAsyncLifetime
{
    public const int MaxRequestBytes = 1 << 20;

    private readonly HubAndAgent _hosts = new(new Dictionary<string, string?> { ["ModelHost:MaxRequestBytes"] = Limit });

    private static string Limit => MaxRequestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public const string LocalPipeline = "colours";
    public const string HubPipeline = "colours-hub";

    internal TestHub Hub => _hosts.Hub;

    internal TestAgent Agent => _hosts.Agent;

    internal Uri AgentHttp => Agent.HttpUri;

    /// <summary>What the agent serves locally.</summary>
    internal static IReadOnlyList<FuzzModel> AgentModels { get; } =
    [
        new("classifier", new FuzzInput("input", "FP32", 2, Last: 4)),
        new("scale", new FuzzInput("input", "FP32", 2)),
        new("add", new FuzzInput("a", "FP32", 2, Last: 3), new FuzzInput("b", "FP32", 2, Last: 3)),
        new("strings", new FuzzInput("input", "BYTES", 1)),
    ];

    /// <summary>What the hub serves: the agent's models (batched where they can be) and some only the hub has.</summary>
    internal static IReadOnlyList<FuzzModel> HubModels { get; } =
    [
        .. AgentModels,
        new("hub-only", new FuzzInput("input", "FP32", 2)),
        new("cube", new FuzzInput("input", "FP32", 3)),
        new("nowhere", new FuzzInput("input", "FP32", 2)),
    ];

    public async ValueTask InitializeAsync()
    {
        Hub.Install("classifier", SampleModels.Classifier());
        Hub.Install("scale", SampleModels.Scale(3f));
        Hub.Install("add", SampleModels.AddTwo());
        Hub.Install("strings", SampleModels.Identity(OnnxElementType.String, -1));
        Hub.Install("hub-only", SampleModels.Scale(10f));
        Hub.Install("cube", SampleModels.Identity(OnnxElementType.Float, -1, -1, -1));
        Agent.Install("classifier", SampleModels.Classifier());
        Agent.Install("scale", SampleModels.Scale(2f));
        Agent.Install("add", SampleModels.AddTwo());
        Agent.Install("strings", SampleModels.Identity(OnnxElementType.String, -1));
        Hub.Install("channels", PipelineRequests.ChannelModel());
        Hub.Install("channels-hub", PipelineRequests.ChannelModel());
        Agent.Install("channels", PipelineRequests.ChannelModel());
        await _hosts.StartAsync(HostSettings.Merge(
            new Dictionary<string, string?>
            {
                ["ModelHost:MaxRequestBytes"] = Limit,
                // The fuzz is about malformed input, not a slow hub: on a loaded CI machine a hub call can take
                // longer than the test agent's 2 s attempt, and a timeout is rightly UNAVAILABLE, a 5xx.
                ["Cloud:AttemptTimeout"] = "00:00:30",
                // Pins and rules for the local routes (/gpio, /rules) to be fuzzed against.
                ["Gpio:Driver"] = "simulated",
                ["Gpio:PinCount"] = "8",
                ["Gpio:Pins:button:Number"] = "1",
                ["Gpio:Pins:lamp:Number"] = "2",
                ["Gpio:Pins:lamp:Mode"] = "output",
                ["Gpio:Pins:status:Number"] = "3",
                ["Gpio:Pins:status:Mode"] = "output",
                ["Gpio:Indicators:online:Pin"] = "status",
                ["Gpio:Indicators:online:State"] = "hub-connected",
                ["Rules:ping:Trigger:Kind"] = "command",
                ["Rules:ping:Actions:0:Kind"] = "event",
                ["Rules:light:Trigger:Kind"] = "gpio",
                ["Rules:light:Trigger:Pin"] = "button",
                ["Rules:light:Actions:0:Kind"] = "gpio-pulse",
                ["Rules:light:Actions:0:Pin"] = "lamp",
                ["Rules:light:Actions:0:PulseLength"] = "00:00:00.010",
            },
            Pipeline(LocalPipeline, "channels"),
            Pipeline(HubPipeline, "channels-hub")));
    }

    /// <summary>The colour pipeline (labels: class indices) with a 600,000-byte image limit, so some fuzzed images are over it.</summary>
    private static Dictionary<string, string?> Pipeline(string name, string model)
    {
        var settings = PipelineRequests.ColourPipeline(name, labelsFile: "", model);
        settings.Remove($"Pipelines:{name}:Post:LabelsFile");
        settings[$"Pipelines:{name}:Limits:MaxEncodedBytes"] = "600000";
        return settings;
    }

    /// <summary>Fails the test that just ran if either host logged an error it did not expect (the hosts outlive it).</summary>
    public void VerifyNoErrors() => ErrorLog.VerifyNoErrors([Hub.Errors, Agent.Errors]);

    public ValueTask DisposeAsync() => _hosts.DisposeAsync();
}
