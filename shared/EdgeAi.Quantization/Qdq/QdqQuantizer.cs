namespace EdgeAi.Quantization.Qdq;

/// <summary>What the QDQ rewrite is told: the 8-bit form and the nodes that stay fp32.</summary>
public sealed record QdqSettings(ActivationType Activations, bool ReduceRange, bool PerChannel, IReadOnlySet<string> ExcludeNodes);

/// <summary>A node the rewrite would quantize (a weighted op or one whose tensors can stay quantized), in graph order.</summary>
public sealed record QuantizableNode(string Name, string OpType);

/// <summary>Before calibration: the activation tensors whose ranges the rewrite needs, and the nodes it would quantize.</summary>
public sealed record QdqPlan(IReadOnlyList<string> Tensors, IReadOnlyList<QuantizableNode> Nodes);

/// <summary>The quantized model (ONNX bytes, QDQ form) and which nodes were and were not quantized.</summary>
public sealed record QdqResult(byte[] Model, IReadOnlyList<string> QuantizedNodes, IReadOnlyList<string> Fp32Nodes);

/// <summary>
/// Rewrites an fp32 ONNX model (already through ONNX Runtime's basic optimization, so BatchNorm is folded)
/// into the QDQ form ONNX Runtime fuses into integer kernels.
/// </summary>
public static class QdqQuantizer
{
    /// <summary>The tensors to calibrate and the nodes to quantize; throws <see cref="QuantizationException"/> when there is nothing to quantize or the opset cannot be used.</summary>
    public static QdqPlan Plan(byte[] model, QdqSettings settings) => throw new NotImplementedException("issue 13: Qdq helper");

    /// <summary>The QDQ model for the given ranges (every tensor of <see cref="Plan"/> that a quantized node touches must have one).</summary>
    public static QdqResult Apply(byte[] model, IReadOnlyDictionary<string, Calibration.TensorRange> ranges, QdqSettings settings) =>
        throw new NotImplementedException("issue 13: Qdq helper");
}
