using EdgeAi.Common.Inference;
using Grpc.Net.Client;

namespace EdgeAi.Bench.Latency;

/// <summary>(c) The agent over gRPC on loopback: one channel reused, the input as raw_input_contents (also the pipeline bench's two gRPC paths).</summary>
internal sealed class AgentGrpcPath : ILatencyPath
{
    private readonly GrpcChannel _channel;
    private readonly GRPCInferenceService.GRPCInferenceServiceClient _client;
    private readonly ModelInferRequest _request;

    public AgentGrpcPath(InProcessAgent agent, ResNet18 model)
        : this(agent, "(c) agent over gRPC, loopback", model.RawRequest())
    {
    }

    /// <summary>Any request to the agent over gRPC, under the label its report row gets.</summary>
    public AgentGrpcPath(InProcessAgent agent, string label, ModelInferRequest request)
    {
        _channel = GrpcChannel.ForAddress(agent.GrpcUri);
        _client = new GRPCInferenceService.GRPCInferenceServiceClient(_channel);
        _request = request;
        Label = label;
    }

    public string Label { get; }

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
