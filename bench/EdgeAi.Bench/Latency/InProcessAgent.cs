using EdgeAi.Serving.Runtime;
using EdgeAi.Testing;
using EdgeAi.Testing.Hosts;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeAi.Bench.Latency;

/// <summary>
/// The real agent host (the test kit's <see cref="TestAgent"/>, with the agent's own defaults rather than
/// the tests' timings) in this process on loopback port 0, with ResNet18 installed in a temporary store:
/// what paths (c), (d) and (g) talk to, and (hub mode) the agent that falls back to an in-process hub.
/// </summary>
internal sealed class InProcessAgent : IAsyncDisposable
{
    private readonly TestAgent _agent;
    private readonly Scratch _scratch;

    private InProcessAgent(TestAgent agent, Scratch scratch)
    {
        _agent = agent;
        _scratch = scratch;
    }

    public Uri GrpcUri => _agent.GrpcUri;

    public Uri HttpUri => _agent.HttpUri;

    /// <summary>The agent's gRPC Unix socket (path (g)).</summary>
    public string GrpcSocketPath => _agent.UnixSockets?.GrpcPath ?? throw new InvalidOperationException("the agent has no Unix sockets");

    public static Task<InProcessAgent> StartAsync(ResNet18 model, int threads, CancellationToken cancellationToken) =>
        StartAsync(model.Path, threads, extraSettings: null, cancellationToken);

    /// <summary>
    /// An agent with ResNet18 from <paramref name="localModelPath"/> installed, or with no model at all
    /// when it is null; <paramref name="extraSettings"/> (e.g. Cloud:*) are added to the usual ones.
    /// </summary>
    public static async Task<InProcessAgent> StartAsync(
        string? localModelPath, int threads, IReadOnlyDictionary<string, string?>? extraSettings, CancellationToken cancellationToken)
    {
        var scratch = new Scratch("edgeai-bench-");
        var agent = new TestAgent(scratch.Root);
        if (localModelPath is not null)
        {
            agent.Store.Add(localModelPath, ResNet18.ModelName, "1");
        }
        try
        {
            // The Unix sockets too, for path (g); the other paths do not notice them.
            var sockets = new Dictionary<string, string?> { ["Agent:UnixSocket:Directory"] = scratch.Sub("sockets") };
            await agent.StartWithAsync(HostSettings.Merge(AgentSettings.For(scratch.Root, threads), sockets, extraSettings), cancellationToken).ConfigureAwait(false);
            if (localModelPath is not null && agent.Services.GetRequiredService<ModelHost>().Resolve(ResNet18.ModelName, null) is { State: not ModelState.Ready } instance)
            {
                throw new InvalidOperationException($"the agent could not load ResNet18: {instance.FailureReason}");
            }
            return new InProcessAgent(agent, scratch);
        }
        catch
        {
            await agent.StopAsync().ConfigureAwait(false);
            scratch.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _agent.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _scratch.Dispose();
        }
    }
}
