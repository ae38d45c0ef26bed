using EdgeAi.Common.Inference;

namespace EdgeAi.Common.Onnx;

/// <summary>A graph input or output as a model declares it.</summary>
/// <param name="Name">The tensor's name in the graph.</param>
/// <param name="ElementType">ONNX element type, see <see cref="OnnxElementType"/>.</param>
/// <param name="Shape">Dimensions; -1 where the model leaves a dimension dynamic or unknown.</param>
/// <param name="DimensionNames">The symbolic name (dim_param) of each dimension, or null.</param>
public sealed record OnnxTensorInfo(
    string Name,
    int ElementType,
    IReadOnlyList<long> Shape,
    IReadOnlyList<string?> DimensionNames)
{
    /// <summary>
    /// False when the model gives no shape at all, so <see cref="Shape"/> is empty without
    /// meaning "scalar"; any rank must then be accepted.
    /// </summary>
    public bool IsRankKnown { get; init; } = true;

    /// <summary>The Open Inference Protocol datatype, or null for ONNX types it cannot carry (complex, float8).</summary>
    public TensorDatatype? Datatype => TensorDatatypes.TryFromOnnx(ElementType, out var datatype) ? datatype : null;

    /// <summary>The Open Inference Protocol datatype name ("FP32", "INT64", ...), or null, as for <see cref="Datatype"/>.</summary>
    public string? DatatypeName => Datatype?.ToName();
}
