using System.Buffers.Binary;
using System.Text.Json;
using EdgeAi.Agent.Cli;
using EdgeAi.Common.Inference;
using Google.Protobuf;

namespace EdgeAi.Agent.Rules;

/// <summary>
/// The inference request a rule sends its target, from the input file and the target's metadata: a target whose
/// one input is BYTES (a pipeline's <c>image</c>) gets the file's bytes as one element; any other single-input
/// model gets the file read as a tensor (.npy, .json, or raw little-endian values of the input's static shape),
/// as <c>edge-agent infer</c> reads it. Targets with several inputs are refused.
/// </summary>
internal static class RuleRequest
{
    public static ModelInferRequest Build(string rule, string target, ModelMetadataResponse metadata, string path, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.Inputs.Count != 1)
        {
            throw new RuleStageException(RuleStageException.Target,
                $"target '{target}' has {metadata.Inputs.Count} inputs ({string.Join(", ", metadata.Inputs.Select(i => i.Name))}); a rule feeds exactly one");
        }
        var input = metadata.Inputs[0];
        long length;
        try
        {
            length = new FileInfo(path).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuleStageException(RuleStageException.Input, $"cannot read {path}: {e.Message}", e);
        }
        if (length > maxBytes)
        {
            throw new RuleStageException(RuleStageException.Input, $"{path} is {length} bytes, over ModelHost:MaxRequestBytes ({maxBytes})");
        }
        var request = new ModelInferRequest { ModelName = target, Id = $"rule:{rule}" };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = input.Name, Datatype = input.Datatype };
        try
        {
            if (input.Datatype == TensorDatatype.Bytes.ToName())
            {
                var bytes = File.ReadAllBytes(path);
                var raw = new byte[4 + bytes.Length];
                BinaryPrimitives.WriteInt32LittleEndian(raw, bytes.Length);
                bytes.CopyTo(raw, 4);
                tensor.Shape.Add(1);
                request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(raw));
            }
            else
            {
                if (!TensorDatatypes.TryParse(input.Datatype, out var datatype))
                {
                    throw new RuleStageException(RuleStageException.Target, $"target '{target}' wants {input.Datatype}, which a rule cannot produce from a file");
                }
                var read = TensorFile.Read(path, datatype, input.Shape.All(d => d >= 0) ? [.. input.Shape] : null);
                tensor.Datatype = read.Datatype.ToName();
                tensor.Shape.AddRange(read.Shape);
                request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(read.Raw));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuleStageException(RuleStageException.Input, $"cannot read {path}: {e.Message}", e);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException or OverflowException or ArgumentException)
        {
            throw new RuleStageException(RuleStageException.Input, $"{path} is not a tensor for '{target}' input {input.Name} {input.Datatype}[{string.Join(",", input.Shape)}]: {e.Message}", e);
        }
        request.Inputs.Add(tensor);
        return request;
    }
}
