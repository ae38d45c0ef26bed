using EdgeAi.Bench.Hub;
using EdgeAi.Serving.Protocol;
using Grpc.Net.Client;

namespace EdgeAi.Bench.Latency;

/// <summary>
/// The forwarding paths of the serving run, measured in the same rounds as the local ones: an in-process hub
/// (TLS, device key, batching off) serving ResNet18, called directly (h), and an agent without the model that
/// forwards every request to it (local-first, model_not_installed) from a gRPC client (i).
/// </summary>
internal sealed class ForwardingPaths : IAsyncDisposable
{
    private readonly string _root;

    private ForwardingPaths(string root, InProcessHub hub, InProcessAgent agent, GrpcInferPath direct, GrpcInferPath forwarded)
    {
        _root = root;
        Hub = hub;
        Agent = agent;
        Direct = direct;
        Forwarded = forwarded;
    }

    public InProcessHub Hub { get; }

    /// <summary>The agent without ResNet18: every request it gets goes on to the hub.</summary>
    public InProcessAgent Agent { get; }

    public GrpcInferPath Direct { get; }

    public GrpcInferPath Forwarded { get; }

    public static async Task<ForwardingPaths> StartAsync(ResNet18 model, int threads, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("edgeai-bench-forwarding-").FullName;
        InProcessHub? hub = null;
        try
        {
            hub = await InProcessHub.StartAsync(root, model.Path, threads, new Dictionary<string, string?> { ["Batching:Enabled"] = "false" }, cancellationToken)
                .ConfigureAwait(false);
            var agent = await InProcessAgent.StartAsync(localModelPath: null, threads, hub.AgentCloudSettings(), cancellationToken).ConfigureAwait(false);
            var direct = new GrpcInferPath("(h) hub directly: gRPC, TLS, device key", hub.NewChannel(), model.RawRequest(), InProcessHub.Headers);
            var forwarded = new GrpcInferPath("(i) agent → hub, forwarded: gRPC client", GrpcChannel.ForAddress(agent.GrpcUri), model.RawRequest());
            return new ForwardingPaths(root, hub, agent, direct, forwarded);
        }
        catch
        {
            if (hub is not null)
            {
                await hub.DisposeAsync().ConfigureAwait(false);
            }
            Directory.Delete(root, recursive: true);
            throw;
        }
    }

    /// <summary>The forwarded answer must say the hub served it because the device has no copy, or the row measures something else.</summary>
    public async Task CheckRouteAsync(CancellationToken cancellationToken)
    {
        var response = await Forwarded.ResponseAsync(cancellationToken).ConfigureAwait(false);
        var servedBy = response.Parameters.GetString(InferenceParameters.ServedBy);
        var reason = response.Parameters.GetString(InferenceParameters.FallbackReason);
        if (servedBy != "cloud" || reason != "model_not_installed")
        {
            throw new InvalidOperationException($"the forwarding agent's answer says served_by={servedBy}, fallback_reason={reason}; expected cloud, model_not_installed");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Direct.DisposeAsync().ConfigureAwait(false);
        await Forwarded.DisposeAsync().ConfigureAwait(false);
        await Agent.DisposeAsync().ConfigureAwait(false);
        await Hub.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(_root, recursive: true);
    }
}
