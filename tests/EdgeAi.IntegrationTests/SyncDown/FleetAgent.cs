using EdgeAi.Agent.Outbox;
using EdgeAi.Agent.SyncDown;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.IntegrationTests.SyncDown;

/// <summary>
/// A real in-process agent pointed at a <see cref="TestFleetServer"/> for downloads, holding the test
/// signing key. Desired states go in through <see cref="DesiredStateStore"/> (what the MQTT uplink
/// calls); what the agent reports is read from its outbox (no broker: records stay there).
/// </summary>
internal sealed class FleetAgent : IAsyncDisposable
{
    private FleetAgent(TestAgent agent) => Agent = agent;

    public TestAgent Agent { get; }

    public IServiceProvider Services => Agent.Services;

    public static Dictionary<string, string?> Settings(Uri? hub) => HostSettings.Merge(
        TestAgent.FastFleetRetries,
        new Dictionary<string, string?>
        {
            ["Cloud:HubUrl"] = hub?.ToString(),
            ["Cloud:DeviceKey"] = TestFleetServer.DeviceKey,
            ["Fleet:DownloadAttemptTimeout"] = "00:00:10",
        });

    public static async Task<FleetAgent> StartAsync(string dataDirectory, TestFleetServer server, FleetModels models, IDictionary<string, string?>? settings = null)
    {
        Directory.CreateDirectory(dataDirectory);
        await File.WriteAllTextAsync(Path.Combine(dataDirectory, "model-signing.pub"), models.PublicKeyPem);
        var all = HostSettings.Merge(Settings(server.Uri), settings);
        var agent = new TestAgent(dataDirectory);
        await agent.StartAsync(hub: null, all);
        return new FleetAgent(agent);
    }

    public void Desire(DesiredState state) => Services.GetRequiredService<DesiredStateStore>().TrySave(state).ShouldBeTrue();

    public List<DeploymentStatus> Deployments() => Read(SyncTopics.Deployments, DeploymentStatus.Parser.ParseFrom);

    public List<DeviceEvent> Events() => Read(SyncTopics.Events, DeviceEvent.Parser.ParseFrom);

    public List<ReportedState> Reported() => Read(SyncTopics.Reported, ReportedState.Parser.ParseFrom);

    /// <summary>Waits until the agent reported <paramref name="state"/> for the version at the revision; returns that record.</summary>
    public async Task<DeploymentStatus> WaitForAsync(string model, string version, string state, long revision, CancellationToken cancellationToken)
    {
        bool Match(DeploymentStatus d) => d.Model == model && d.Version == version && d.State == state && d.DesiredRevision == revision;
        await Eventually.UntilAsync(
            () => Task.FromResult(Deployments().Any(Match)),
            () => $"{model} v{version} {state} at revision {revision}; reported so far:\n  {string.Join("\n  ", Deployments())}",
            cancellationToken,
            TimeSpan.FromSeconds(30));
        return Deployments().First(Match);
    }

    /// <summary>One request without a version, input zeros [1, 4]; the output is the serving version's bias.</summary>
    public async Task<(string Version, float Bias)> InferAsync(string model, CancellationToken cancellationToken)
    {
        var response = await Agent.Grpc.ModelInferAsync(Requests.Fp32(model, [1, 4], [0, 0, 0, 0]), cancellationToken: cancellationToken);
        return (response.ModelVersion, Requests.Fp32Output(response)[0]);
    }

    private List<T> Read<T>(string stream, Func<byte[], T> parse) =>
        [.. Services.GetRequiredService<DurableOutbox>().Peek(stream, 100_000).Select(r => parse(r.Payload))];

    public async ValueTask DisposeAsync() => await Agent.DisposeAsync();
}
