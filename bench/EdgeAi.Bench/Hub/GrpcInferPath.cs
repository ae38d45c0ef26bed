using EdgeAi.Bench.Latency;
using EdgeAi.Common.Inference;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeAi.Bench.Hub;

/// <summary>
/// ResNet18 over gRPC to the hub or to an agent: one channel reused, one request (raw input
/// contents) built once, optional call headers (the device key). Disposing closes the channel.
/// </summary>
internal sealed class GrpcInferPath : ILatencyPath
{
    private readonly GrpcChannel _channel;
    private readonly GRPCInferenceService.GRPCInferenceServiceClient _client;
    private readonly ModelInferRequest _request;
    private readonly Metadata? _headers;

    public GrpcInferPath(string label, GrpcChannel channel, ModelInferRequest request, Metadata? headers = null)
    {
        Label = label;
        _channel = channel;
        _client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        _request = request;
        _headers = headers;
    }

    public string Label { get; }

    public async ValueTask InferOnceAsync(CancellationToken cancellationToken) =>
        await ResponseAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask<float[]> InferAndReadAsync(CancellationToken cancellationToken)
    {
        var response = await ResponseAsync(cancellationToken).ConfigureAwait(false);
        return [.. RawTensor.ToDoubles(TensorDatatype.Fp32, response.RawOutputContents[0].Span).Select(v => (float)v)];
    }

    /// <summary>One inference and its whole response, to check who served it.</summary>
    public async Task<ModelInferResponse> ResponseAsync(CancellationToken cancellationToken) =>
        await _client.ModelInferAsync(_request, _headers, cancellationToken: cancellationToken).ConfigureAwait(false);

    public ValueTask DisposeAsync()
    {
        _channel.Dispose();
        return ValueTask.CompletedTask;
    }
}
