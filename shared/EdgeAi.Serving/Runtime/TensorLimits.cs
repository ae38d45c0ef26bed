using EdgeAi.Common.Inference;

namespace EdgeAi.Serving.Runtime;

/// <summary>The size checks every way into the model host makes (gRPC binding, the REST reader) on a request's shape.</summary>
internal static class TensorLimits
{
    /// <summary>
    /// The element count of <paramref name="shape"/>, refused when its tensor would be over
    /// <paramref name="maxTensorBytes"/>. Checked before each multiplication, so shapes such as
    /// [4, 2^62] cannot wrap past the limit; a 0 dimension makes the tensor empty but the others are still
    /// checked, since ONNX Runtime multiplies them too.
    /// </summary>
    public static long ElementCount(string name, TensorDatatype datatype, IReadOnlyList<long> shape, long maxTensorBytes)
    {
        // BYTES elements have no fixed size; each needs at least its 4-byte length on the wire.
        var maxElements = maxTensorBytes / (datatype == TensorDatatype.Bytes ? 4 : Math.Max(1, datatype.ElementSize()));
        long product = 1;
        var empty = false;
        foreach (var dim in shape)
        {
            if (dim == 0)
            {
                empty = true;
                continue;
            }
            if (product > maxElements / dim)
            {
                throw new InferenceException(
                    InferenceError.ResourceExhausted,
                    $"input '{name}': shape {TensorSpec.FormatShape(shape)} is over the limit of {maxTensorBytes} bytes per tensor "
                    + $"(at most {maxElements} elements of {datatype.ToName()}; ModelHost:MaxRequestBytes)");
            }
            product *= dim;
        }
        return empty ? 0 : product;
    }
}
