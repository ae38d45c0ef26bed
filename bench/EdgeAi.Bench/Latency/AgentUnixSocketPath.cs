using EdgeAi.Common.Inference;
using EdgeAi.Testing;
using Grpc.Net.Client;

namespace EdgeAi.Bench.Latency;

/// <summary>(g) The agent over gRPC on its Unix socket: what (c) does, without TCP: one channel reused, the input as raw_input_contents.</summary>
internal sealed class AgentUnixSocketPath : ILatencyPath
{
    private readonly GrpcChannel _channel;
    private readonly GRPCInferenceService.GRPCInferenceServiceClient _client;
    private readonly ModelInferRequest _request;

    public AgentUnixSocketPath(InProcessAgent agent, ResNet18 model)
    {
        _channel = UnixSocketClients.Grpc(agent.GrpcSocketPath);
        _client = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
        _request = model.RawRequest();
    }

    public string Label => "(g) agent over gRPC, Unix socket";

    public async ValueTask InferOnceAsync(CancellationToken cancellationToken) =>
        await _client.ModelInferAsync(_request, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async ValueTask<float[]> InferAndReadAsync(CancellationToken cancellationToken)
    {
        var response = await _client.ModelInferAsync(_request, cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. RawTensor.ToDoubles(TensorDatatype.Fp32, response.RawOutputContents[0].Span).Select(v => (float)v)];
    }

    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }
}
