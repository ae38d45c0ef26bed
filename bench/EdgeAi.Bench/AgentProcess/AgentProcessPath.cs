using EdgeAi.Bench.Hub;
using EdgeAi.Bench.Latency;
using Grpc.Net.Client;

namespace EdgeAi.Bench.AgentProcess;

/// <summary>
/// (k) What (c) does, against the agent as a device runs it: its own process, the published binary when there is one
/// (Native AOT), so the transport is measured as it was compiled for the device; (c) runs the same code JIT-compiled in
/// the benchmark's process. Disposing stops the process and deletes its data directory.
/// </summary>
internal sealed class AgentProcessPath : ILatencyPath
{
    private readonly AgentProcessInstance _agent;
    private readonly GrpcInferPath _grpc;
    private readonly string _root;

    private AgentProcessPath(AgentProcessInstance agent, GrpcInferPath grpc, string root)
    {
        _agent = agent;
        _grpc = grpc;
        _root = root;
    }

    public string Label => _grpc.Label;

    public static async Task<AgentProcessPath> StartAsync(ResNet18 model, int threads, CancellationToken cancellationToken)
    {
        var binary = AgentBinary.Find();
        var root = Directory.CreateTempSubdirectory("edgeai-bench-agent-").FullName;
        try
        {
            new Serving.Store.ModelStore(Path.Combine(root, "models"), TimeProvider.System).Add(model.Path, ResNet18.ModelName, "1");
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(1) };
            var agent = await AgentProcessInstance.StartAsync(binary, root, threads, http, cancellationToken).ConfigureAwait(false);
            var label = binary.PublishedBytes is null
                ? "(k) agent process over gRPC, loopback (not published: the framework-dependent build)"
                : "(k) agent process over gRPC, loopback (the published binary)";
            return new AgentProcessPath(agent, new GrpcInferPath(label, GrpcChannel.ForAddress(agent.GrpcUri), model.RawRequest()), root);
        }
        catch
        {
            Directory.Delete(root, recursive: true);
            throw;
        }
    }

    public ValueTask InferOnceAsync(CancellationToken cancellationToken) => _grpc.InferOnceAsync(cancellationToken);

    public ValueTask<float[]> InferAndReadAsync(CancellationToken cancellationToken) => _grpc.InferAndReadAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _grpc.DisposeAsync().ConfigureAwait(false);
        await _agent.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(_root, recursive: true);
    }
}
