using EdgeAi.Common.Onnx;
using EdgeAi.IntegrationTests.Cloud;

namespace EdgeAi.IntegrationTests.Fuzz;

/// <summary>
/// A real hub and a real agent falling back to it, started once for all fuzz tests. The agent has
/// small models of each kind; the hub has more, some only there, so local-first requests escalate.
/// Request limits are small (1 MiB) so over-limit inputs are cheap to make.
/// </summary>
public sealed class FuzzHosts : IAsyncLifetime
{
    public const int MaxRequestBytes = 1 << 20;

    private readonly Scratch _scratch = new();

    internal TestHub Hub { get; private set; } = null!;

    internal TestAgent Agent { get; private set; } = null!;

    internal Uri AgentHttp { get; private set; } = null!;

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
        var limit = MaxRequestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Hub = new TestHub(_scratch.Sub("hub"), new Dictionary<string, string?> { ["ModelHost:MaxRequestBytes"] = limit });
        Hub.Install("classifier", SampleModels.Classifier());
        Hub.Install("scale", SampleModels.Scale(3f));
        Hub.Install("add", SampleModels.AddTwo());
        Hub.Install("strings", SampleModels.Identity(OnnxElementType.String, -1));
        Hub.Install("hub-only", SampleModels.Scale(10f));
        Hub.Install("cube", SampleModels.Identity(OnnxElementType.Float, -1, -1, -1));
        await Hub.StartAsync();

        Agent = new TestAgent(_scratch.Sub("agent"));
        Agent.Install("classifier", SampleModels.Classifier());
        Agent.Install("scale", SampleModels.Scale(2f));
        Agent.Install("add", SampleModels.AddTwo());
        Agent.Install("strings", SampleModels.Identity(OnnxElementType.String, -1));
        await Agent.StartAsync(Hub, new Dictionary<string, string?> { ["ModelHost:MaxRequestBytes"] = limit });
        AgentHttp = Agent.HttpUri;
    }

    public async ValueTask DisposeAsync()
    {
        await Agent.DisposeAsync();
        await Hub.DisposeAsync();
        _scratch.Dispose();
    }
}
