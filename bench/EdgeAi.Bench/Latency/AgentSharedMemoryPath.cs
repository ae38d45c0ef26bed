using EdgeAi.Common.Inference;
using EdgeAi.Testing;
using Grpc.Net.Client;

namespace EdgeAi.Bench.Latency;

/// <summary>
/// (e) The agent over gRPC with Triton's system shared memory: an input and an output region registered once, the
/// input written into its region once; each call sends only the references, and the output is read from its region.
/// </summary>
internal sealed class AgentSharedMemoryPath : ILatencyPath
{
    private const string InputRegion = "bench-input";
    private const string OutputRegion = "bench-output";

    private readonly GrpcChannel _channel;
    private readonly GRPCInferenceService.GRPCInferenceServiceClient _client;
    private readonly SharedMemoryObject _input;
    private readonly SharedMemoryObject _output;
    private readonly ModelInferRequest _request;

    private AgentSharedMemoryPath(GrpcChannel channel, SharedMemoryObject input, SharedMemoryObject output, ModelInferRequest request, string label)
    {
        Label = label;
        _channel = channel;
        _client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        _input = input;
        _output = output;
        _request = request;
    }

    public string Label { get; }

    /// <summary>The path to <paramref name="agent"/>, under <paramref name="label"/> (the forwarding run's agent has no model: the hub serves).</summary>
    public static async Task<AgentSharedMemoryPath> CreateAsync(
        InProcessAgent agent, ResNet18 model, CancellationToken cancellationToken, string label = "(e) agent over gRPC, system shared memory")
    {
        var channel = GrpcChannel.ForAddress(agent.GrpcUri);
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        var metadata = await client.ModelMetadataAsync(new ModelMetadataRequest { Name = ResNet18.ModelName }, cancellationToken: cancellationToken).ConfigureAwait(false);
        var output = metadata.Outputs[0];
        // Dimensions the model leaves open are 1 at batch 1.
        var outputBytes = output.Shape.Aggregate((long)sizeof(float), (total, d) => total * Math.Max(d, 1));
        var input = new SharedMemoryObject(model.InputBytes.Length, "edgeai-bench");
        var outputObject = new SharedMemoryObject(outputBytes, "edgeai-bench");
        input.Write(0, model.InputBytes);
        await client.SystemSharedMemoryRegisterAsync(new SystemSharedMemoryRegisterRequest
        {
            Name = InputRegion, Key = input.Key, ByteSize = (ulong)input.Size,
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await client.SystemSharedMemoryRegisterAsync(new SystemSharedMemoryRegisterRequest
        {
            Name = OutputRegion, Key = outputObject.Key, ByteSize = (ulong)outputObject.Size,
        }, cancellationToken: cancellationToken).ConfigureAwait(false);

        var request = new ModelInferRequest { ModelName = ResNet18.ModelName };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = ResNet18.InputName, Datatype = "FP32" };
        tensor.Shape.AddRange(ResNet18.Shape);
        tensor.Parameters["shared_memory_region"] = new InferParameter { StringParam = InputRegion };
        tensor.Parameters["shared_memory_byte_size"] = new InferParameter { Int64Param = input.Size };
        request.Inputs.Add(tensor);
        var requested = new ModelInferRequest.Types.InferRequestedOutputTensor { Name = output.Name };
        requested.Parameters["shared_memory_region"] = new InferParameter { StringParam = OutputRegion };
        requested.Parameters["shared_memory_byte_size"] = new InferParameter { Int64Param = outputObject.Size };
        request.Outputs.Add(requested);
        return new AgentSharedMemoryPath(channel, input, outputObject, request, label);
    }

    public async ValueTask InferOnceAsync(CancellationToken cancellationToken) =>
        await _client.ModelInferAsync(_request, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async ValueTask<float[]> InferAndReadAsync(CancellationToken cancellationToken)
    {
        var response = await _client.ModelInferAsync(_request, cancellationToken: cancellationToken).ConfigureAwait(false);
        var written = (int)response.Outputs[0].Parameters["shared_memory_byte_size"].Int64Param;
        return [.. RawTensor.ToDoubles(TensorDatatype.Fp32, _output.Read(0, written)).Select(v => (float)v)];
    }

    public async ValueTask DisposeAsync()
    {
        await _client.SystemSharedMemoryUnregisterAsync(new SystemSharedMemoryUnregisterRequest { Name = InputRegion }).ConfigureAwait(false);
        await _client.SystemSharedMemoryUnregisterAsync(new SystemSharedMemoryUnregisterRequest { Name = OutputRegion }).ConfigureAwait(false);
        _channel.Dispose();
        _input.Dispose();
        _output.Dispose();
    }
}
