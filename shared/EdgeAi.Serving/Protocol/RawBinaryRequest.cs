using EdgeAi.Common.Inference;
using EdgeAi.Serving.Runtime;
using Google.Protobuf;
using InputTensor = EdgeAi.Common.Inference.ModelInferRequest.Types.InferInputTensor;

namespace EdgeAi.Serving.Protocol;

/// <summary>
/// Triton's raw binary request (<c>Inference-Header-Content-Length: 0</c>): the body is the bytes of a
/// one-input model's only input and nothing else, so its shape is deduced from the model's metadata and the
/// byte count, and every output comes back binary. Fixed-size datatypes allow one dynamic dimension (the
/// byte count decides it) besides a dynamic leading one, which is then 1 as in Triton's batch-1; BYTES takes
/// one element.
/// </summary>
internal static class RawBinaryRequest
{
    public static async Task<RestInferRequest> BuildAsync(
        IInferenceBackend backend, string name, string? version, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var metadata = await backend.GetModelMetadataAsync(name, version, cancellationToken).ConfigureAwait(false);
        if (metadata.Inputs.Count != 1)
        {
            throw InferenceException.Invalid(
                $"a raw binary request ({BinaryTensorData.HeaderLengthHeader}: 0, the body one tensor's bytes) needs a model with one input; model '{name}' has {metadata.Inputs.Count}: send the JSON request first instead");
        }
        var spec = metadata.Inputs[0];
        if (!TensorDatatypes.TryParse(spec.Datatype, out var datatype))
        {
            throw InferenceException.Invalid($"a raw binary request cannot carry model '{name}' input '{spec.Name}' of datatype {spec.Datatype}");
        }
        var tensor = new InputTensor { Name = spec.Name, Datatype = spec.Datatype };
        tensor.Shape.AddRange(Shape(spec, datatype, body.Length));
        var request = new ModelInferRequest { ModelName = name, ModelVersion = version ?? string.Empty };
        request.Inputs.Add(tensor);
        request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(body));
        return new RestInferRequest(request, new BinaryOutputs(true, new Dictionary<string, bool>()));
    }

    private static long[] Shape(ModelMetadataResponse.Types.TensorMetadata spec, TensorDatatype datatype, int bytes)
    {
        var shape = spec.Shape.ToArray();
        if (datatype == TensorDatatype.Bytes)
        {
            if (shape.Any(d => d > 1))
            {
                throw InferenceException.Invalid(
                    $"a raw binary request carries one BYTES element; input '{spec.Name}' has shape {TensorSpec.FormatShape(spec.Shape)}");
            }
            return [.. shape.Select(_ => 1L)];
        }
        // Like Triton's batch-1: with more than one dynamic dimension, a dynamic leading (batch) one is 1.
        if (shape.Length > 1 && shape[0] < 0 && shape.Count(d => d < 0) > 1)
        {
            shape[0] = 1;
        }
        var dynamic = shape.Count(d => d < 0);
        if (dynamic > 1)
        {
            throw InferenceException.Invalid(
                $"a raw binary request cannot tell input '{spec.Name}' shape {TensorSpec.FormatShape(spec.Shape)} from its byte count: at most one dimension after the first may be dynamic");
        }
        var stepBytes = shape.Aggregate((long)datatype.ElementSize(), (product, d) => d < 0 ? product : product * d);
        var fits = dynamic == 0 ? stepBytes == bytes : stepBytes > 0 && bytes % stepBytes == 0;
        if (!fits)
        {
            throw InferenceException.Invalid(
                $"a raw binary request of {bytes} bytes does not fill input '{spec.Name}' shape {TensorSpec.FormatShape(spec.Shape)} of {datatype.ToName()} "
                + (dynamic == 0 ? $"({stepBytes} bytes)" : $"(a multiple of {stepBytes} bytes)"));
        }
        var unknown = Array.FindIndex(shape, d => d < 0);
        if (unknown >= 0)
        {
            shape[unknown] = bytes / stepBytes;
        }
        return shape;
    }
}
