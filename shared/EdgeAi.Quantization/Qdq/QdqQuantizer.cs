using EdgeAi.Quantization.Calibration;
using Google.Protobuf;

namespace EdgeAi.Quantization.Qdq;

/// <summary>What the QDQ rewrite is told: the 8-bit form and the nodes that stay fp32.</summary>
public sealed record QdqSettings(ActivationType Activations, bool ReduceRange, bool PerChannel, IReadOnlySet<string> ExcludeNodes);

/// <summary>A node the rewrite would quantize (a weighted op or one whose tensors can stay quantized), in graph order.</summary>
public sealed record QuantizableNode(string Name, string OpType);

/// <summary>Before calibration: the activation tensors whose ranges the rewrite needs, and the nodes it would quantize.</summary>
/// <param name="Tensors">
/// Every activation tensor <see cref="QdqQuantizer.Apply"/> may need a range for with these settings or with more nodes
/// excluded (so the fallback can exclude nodes without calibrating again), in graph order.
/// </param>
/// <param name="Nodes">The nodes that would be quantized (the exclude list left out), in graph order.</param>
public sealed record QdqPlan(IReadOnlyList<string> Tensors, IReadOnlyList<QuantizableNode> Nodes);

/// <summary>The quantized model (ONNX bytes, QDQ form) and which nodes were and were not quantized.</summary>
/// <param name="Fp32Nodes">Nodes of a quantizable type left fp32: the exclude list and nodes whose weights are not constants.</param>
public sealed record QdqResult(byte[] Model, IReadOnlyList<string> QuantizedNodes, IReadOnlyList<string> Fp32Nodes)
{
    /// <summary>Why nodes of a quantizable type were left fp32 other than the exclude list, one line each ("MatMul_3: weight 'B' is computed at run time").</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The default-domain opset of the written model, and of the model given, when the rewrite raised it.</summary>
    public (long From, long To)? OpsetRaised { get; init; }
}

/// <summary>
/// Rewrites an fp32 ONNX model (already through ONNX Runtime's basic optimization, so BatchNorm is folded)
/// into the QDQ form ONNX Runtime fuses into integer kernels.
/// </summary>
public static class QdqQuantizer
{
    /// <summary>The tensors to calibrate and the nodes to quantize; throws <see cref="QuantizationException"/> when there is nothing to quantize or the opset cannot be used.</summary>
    public static QdqPlan Plan(byte[] model, QdqSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        var graph = QdqGraph.Load(model);
        OpsetUpgrade.Check(graph.Model);
        var selection = QdqSelection.Select(graph, settings.ExcludeNodes);
        return new QdqPlan(selection.CalibrationTensors(), [.. selection.Quantized.Select(n => new QuantizableNode(n.Name, n.OpType))]);
    }

    /// <summary>The QDQ model for the given ranges (every tensor of <see cref="Plan"/> that a quantized node touches must have one).</summary>
    public static QdqResult Apply(byte[] model, IReadOnlyDictionary<string, TensorRange> ranges, QdqSettings settings)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ranges);
        ArgumentNullException.ThrowIfNull(settings);
        var graph = QdqGraph.Load(model);
        var raised = OpsetUpgrade.Check(graph.Model);
        var selection = QdqSelection.Select(graph, settings.ExcludeNodes);
        QdqRewriter.Rewrite(graph, selection, ranges, settings);
        OpsetUpgrade.Raise(graph.Model, raised);
        graph.DropInitializerInputs();
        return new QdqResult(
            graph.Model.ToByteArray(),
            [.. selection.Quantized.Select(n => n.Name)],
            [.. selection.Fp32.Select(n => n.Name)])
        {
            Notes = selection.Notes,
            OpsetRaised = raised,
        };
    }
}
