using EdgeAi.Bench.Latency;
using EdgeAi.Common.Inference;
using Google.Protobuf;

namespace EdgeAi.Bench.Pipeline;

/// <summary>
/// The two ways a client gets ResNet18's answer for a camera frame from the agent over gRPC: (p) send the JPEG to the
/// pipeline, which pre-processes it and runs the model through the router; (m) pre-process itself and send the model
/// the 224 × 224 tensor. The difference is what the pipeline costs on the device.
/// </summary>
internal static class PipelineGrpcPaths
{
    public const string PipelineName = "resnet18-image";

    /// <summary>The agent configuration of the pipeline: ResNet18's own convention, post-processing off (the featurizer's output is features, not classes).</summary>
    public static Dictionary<string, string?> Settings() => new(StringComparer.OrdinalIgnoreCase)
    {
        [$"Pipelines:{PipelineName}:Model"] = ResNet18.ModelName,
        [$"Pipelines:{PipelineName}:Resize:Width"] = $"{PipelineBenchSettings.TensorSide}",
        [$"Pipelines:{PipelineName}:Resize:Height"] = $"{PipelineBenchSettings.TensorSide}",
        [$"Pipelines:{PipelineName}:Normalize:Scale"] = "1",
        [$"Pipelines:{PipelineName}:Normalize:Mean:0"] = "103.06",
        [$"Pipelines:{PipelineName}:Normalize:Mean:1"] = "115.90",
        [$"Pipelines:{PipelineName}:Normalize:Mean:2"] = "123.15",
        [$"Pipelines:{PipelineName}:Normalize:Order"] = "BGR",
        [$"Pipelines:{PipelineName}:Post:Enabled"] = "false",
    };

    public static AgentGrpcPath Pipeline(InProcessAgent agent, byte[] jpeg)
    {
        var request = new ModelInferRequest { ModelName = PipelineName };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = "image", Datatype = "BYTES" };
        input.Shape.Add(1);
        request.Inputs.Add(input);
        request.RawInputContents.Add(ByteString.CopyFrom([.. BitConverter.GetBytes(jpeg.Length), .. jpeg]));
        return new AgentGrpcPath(agent, $"(p) pipeline over gRPC: {jpeg.Length / 1024} KiB JPEG in", request);
    }

    public static AgentGrpcPath Model(InProcessAgent agent, byte[] tensor)
    {
        var request = new ModelInferRequest { ModelName = ResNet18.ModelName };
        var input = new ModelInferRequest.Types.InferInputTensor { Name = ResNet18.InputName, Datatype = "FP32" };
        input.Shape.Add(ResNet18.Shape);
        request.Inputs.Add(input);
        request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(tensor));
        return new AgentGrpcPath(agent, "(m) model over gRPC: the same frame as a pre-made 224×224 tensor", request);
    }
}
