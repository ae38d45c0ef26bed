using EdgeAi.Common.Inference;
using EdgeAi.Serving.Runtime;
using Google.Protobuf;
using InputTensor = EdgeAi.Common.Inference.ModelInferRequest.Types.InferInputTensor;

namespace EdgeAi.Serving.Protocol;

/// <summary>
/// Triton's raw binary request (<c>Inference-Header-Content-Length: 0</c>): the body is the bytes of a
/// one-input model's only input and nothing else, so its shape is deduced from the model's metadata and the
/// byte count, and every output comes back binary. Fixed-size datatypes allow at most one dynamic
/// dimension (the one the byte count decides); BYTES takes one element.
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
        var dynamic = Array.FindAll(Enumerable.Range(0, shape.Length).ToArray(), d => shape[d] < 0);
        if (datatype == TensorDatatype.Bytes)
        {
            if (shape.Any(d => d > 1))
            {
                throw InferenceException.Invalid(
                    $"a raw binary request carries one BYTES element; input '{spec.Name}' has shape {TensorSpec.FormatShape(shape)}");
            }
            return [.. shape.Select(_ => 1L)];
        }
        if (dynamic.Length > 1)
        {
            throw InferenceException.Invalid(
                $"a raw binary request cannot tell input '{spec.Name}' shape {TensorSpec.FormatShape(shape)} from its byte count: it has {dynamic.Length} dynamic dimensions, at most 1 can be deduced");
        }
        var fixedBytes = (long)datatype.ElementSize();
        foreach (var d in shape)
        {
            fixedBytes *= d < 0 ? 1 : d;
        }
        if (dynamic.Length == 0 ? fixedBytes != bytes : fixedBytes == 0 || bytes % fixedBytes != 0)
        {
            throw InferenceException.Invalid(
                $"a raw binary request of {bytes} bytes does not fill input '{spec.Name}' shape {TensorSpec.FormatShape(shape)} of {datatype.ToName()} ({fixedBytes} bytes {(dynamic.Length == 0 ? "exactly" : "per step of the dynamic dimension")})");
        }
        if (dynamic.Length == 1)
        {
            shape[dynamic[0]] = bytes / fixedBytes;
        }
        return shape;
    }
}
