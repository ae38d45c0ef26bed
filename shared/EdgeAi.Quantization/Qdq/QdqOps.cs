using EdgeAi.Common.Onnx.Proto;

namespace EdgeAi.Quantization.Qdq;

/// <summary>How ONNX Runtime's CPU QDQ selectors treat an op (onnxruntime/core/optimizer/qdq_transformer/selectors_actions).</summary>
internal enum QdqKind
{
    /// <summary>Conv, MatMul, Gemm: DQ on the input and the constant weight (and INT32 bias), Q on the output → QLinearConv, QLinearMatMul, QGemm.</summary>
    Weighted,

    /// <summary>Add, Mul: DQ on both inputs, Q on the output → QLinearAdd, QLinearMul.</summary>
    Binary,

    /// <summary>Concat: DQ on every input, Q on the output → QLinearConcat.</summary>
    Variadic,

    /// <summary>AveragePool, GlobalAveragePool, Sigmoid, LeakyRelu: DQ in, Q out → their QLinear op.</summary>
    Unary,

    /// <summary>MaxPool, Reshape, Transpose, …: the values pass unchanged, so the DQ and Q are dropped when they share scale and zero point (the output takes the input's).</summary>
    PassThrough,
}

internal static class QdqOps
{
    private static readonly Dictionary<string, QdqKind> Kinds = new(StringComparer.Ordinal)
    {
        ["Conv"] = QdqKind.Weighted,
        ["MatMul"] = QdqKind.Weighted,
        ["Gemm"] = QdqKind.Weighted,
        ["Add"] = QdqKind.Binary,
        ["Mul"] = QdqKind.Binary,
        ["Concat"] = QdqKind.Variadic,
        ["AveragePool"] = QdqKind.Unary,
        ["GlobalAveragePool"] = QdqKind.Unary,
        ["Sigmoid"] = QdqKind.Unary,
        ["LeakyRelu"] = QdqKind.Unary,
        ["MaxPool"] = QdqKind.PassThrough,
        ["Reshape"] = QdqKind.PassThrough,
        ["Transpose"] = QdqKind.PassThrough,
        ["Flatten"] = QdqKind.PassThrough,
        ["Squeeze"] = QdqKind.PassThrough,
        ["Unsqueeze"] = QdqKind.PassThrough,
        ["Resize"] = QdqKind.PassThrough,
        ["Gather"] = QdqKind.PassThrough,
        ["Slice"] = QdqKind.PassThrough,
    };

    public static string Supported { get; } = string.Join(", ", Kinds.Keys);

    public static QdqKind? KindOf(NodeProto node) =>
        node.Domain is "" or "ai.onnx" && Kinds.TryGetValue(node.OpType, out var kind) ? kind : null;

    /// <summary>The input slots that carry quantized values (weights and biases of weighted ops are handled apart).</summary>
    public static IEnumerable<int> DataSlots(NodeProto node, QdqKind kind) => kind switch
    {
        QdqKind.Binary => [0, 1],
        QdqKind.Variadic => Enumerable.Range(0, node.Input.Count),
        _ => [0],
    };

    /// <summary>Ops a following Relu (or Clip from 0) folds into: ONNX Runtime drops a Relu before a Q whose zero point is the type's minimum.</summary>
    public static bool FoldsActivation(NodeProto node) => node.OpType is "Conv" or "MatMul" or "Gemm" or "Add" or "Mul";

    public static long Int(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.I ?? fallback;

    public static float Float(NodeProto node, string name, float fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name)?.F ?? fallback;
}
