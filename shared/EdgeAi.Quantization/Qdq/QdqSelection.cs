using EdgeAi.Common.Onnx.Proto;

namespace EdgeAi.Quantization.Qdq;

/// <summary>
/// Which nodes are quantized, which stay fp32 and why, and which Relu/Clip each folds: the one decision
/// <see cref="QdqQuantizer.Plan"/> and <see cref="QdqQuantizer.Apply"/> share, so they agree for the same bytes.
/// </summary>
internal sealed class QdqSelection
{
    private readonly QdqGraph graph;
    // By reference: a NodeProto's equality is by value, and the rewrite changes the nodes' inputs.
    private readonly Dictionary<NodeProto, QdqKind> kinds = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<NodeProto, NodeProto> folds = new(ReferenceEqualityComparer.Instance);

    private QdqSelection(QdqGraph graph) => this.graph = graph;

    /// <summary>Nodes to quantize, in graph order.</summary>
    public List<NodeProto> Quantized { get; } = [];

    /// <summary>Nodes of a quantizable type that stay fp32, in graph order.</summary>
    public List<NodeProto> Fp32 { get; } = [];

    public List<string> Notes { get; } = [];

    public static QdqSelection Select(QdqGraph graph, IReadOnlySet<string> exclude)
    {
        ArgumentNullException.ThrowIfNull(exclude);
        var names = graph.Nodes.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var unknown = exclude.Where(e => !names.Contains(e)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            var known = string.Join(", ", graph.Nodes.Where(n => QdqOps.KindOf(n) is not null).Take(8).Select(n => n.Name));
            throw new QuantizationException($"the exclude list names {string.Join(", ", unknown.Select(u => $"'{u}'"))}, which {(unknown.Count == 1 ? "is" : "are")} not a node of the model (nodes that can be excluded include {known})");
        }

        var selection = new QdqSelection(graph);
        foreach (var node in graph.Nodes)
        {
            if (QdqOps.KindOf(node) is not { } kind)
            {
                continue;
            }

            if (exclude.Contains(node.Name))
            {
                selection.Fp32.Add(node);
            }
            else if (selection.WhyNot(node, kind) is { } reason)
            {
                selection.Fp32.Add(node);
                selection.Notes.Add($"{node.Name} ({node.OpType}): {reason}; left fp32");
            }
            else
            {
                selection.Quantized.Add(node);
                selection.kinds[node] = kind;
            }
        }

        if (selection.Quantized.Count == 0 && selection.Fp32.Count == selection.Notes.Count)
        {
            var ops = string.Join(", ", graph.Nodes.Select(n => n.OpType).Distinct(StringComparer.Ordinal));
            var why = selection.Notes.Count > 0 ? $" ({string.Join("; ", selection.Notes)})" : "";
            throw new QuantizationException($"the model has no quantizable op: it holds {ops}{why}; quantization needs one of {QdqOps.Supported} with fp32 tensors and constant weights");
        }

        foreach (var node in selection.Quantized.Where(QdqOps.FoldsActivation))
        {
            if (selection.FoldableActivation(node, exclude) is { } activation)
            {
                selection.folds[node] = activation;
            }
        }

        return selection;
    }

    public QdqKind KindOf(NodeProto node) => kinds[node];

    public bool IsQuantized(NodeProto node) => kinds.ContainsKey(node);

    /// <summary>The Relu/Clip folded into <paramref name="node"/>: its output, not the node's, carries the Q.</summary>
    public NodeProto? FoldedInto(NodeProto node) => folds.GetValueOrDefault(node);

    /// <summary>
    /// Every activation tensor a quantized node reads or writes (and each folded Relu's output): what Apply needs a
    /// range for with these exclusions or more, in graph order.
    /// </summary>
    public IReadOnlyList<string> CalibrationTensors()
    {
        var tensors = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string t)
        {
            if (graph.IsActivation(t) && seen.Add(t))
            {
                tensors.Add(t);
            }
        }

        foreach (var node in Quantized)
        {
            foreach (var slot in QdqOps.DataSlots(node, kinds[node]))
            {
                Add(node.Input[slot]);
            }

            Add(node.Output[0]);
            if (folds.TryGetValue(node, out var activation))
            {
                Add(activation.Output[0]);
            }
        }

        return tensors;
    }

    private string? WhyNot(NodeProto node, QdqKind kind)
    {
        if (node.Output.Count != 1 || !graph.IsFloat(node.Output[0]))
        {
            return node.Output.Count != 1 ? "it has more than one output" : "its output is not known to be fp32";
        }

        foreach (var slot in QdqOps.DataSlots(node, kind))
        {
            if (slot >= node.Input.Count || !graph.IsFloat(node.Input[slot]))
            {
                return $"input '{(slot < node.Input.Count ? node.Input[slot] : "")}' is not known to be fp32";
            }

            if (kind is QdqKind.Weighted or QdqKind.Unary or QdqKind.PassThrough && graph.Initializers.ContainsKey(node.Input[slot]))
            {
                return $"its data input '{node.Input[slot]}' is a constant (ONNX Runtime folds it)";
            }
        }

        if (kind is QdqKind.Binary or QdqKind.Variadic && node.Input.All(graph.Initializers.ContainsKey))
        {
            return "every input is a constant (ONNX Runtime folds it)";
        }

        return kind == QdqKind.Weighted ? WhyNotWeighted(node) : null;
    }

    private string? WhyNotWeighted(NodeProto node)
    {
        if (node.Input.Count < 2 || !graph.Initializers.TryGetValue(node.Input[1], out var weight))
        {
            return $"weight '{(node.Input.Count > 1 ? node.Input[1] : "")}' is not an initializer (computed at run time)";
        }

        if (weight.DataType != Common.Onnx.OnnxElementType.Float)
        {
            return $"weight '{weight.Name}' is not fp32";
        }

        var hasBias = node.Input.Count > 2 && node.Input[2].Length > 0;
        if (hasBias && !graph.Initializers.ContainsKey(node.Input[2]))
        {
            return $"bias '{node.Input[2]}' is not an initializer (computed at run time)";
        }

        switch (node.OpType)
        {
            case "Conv" when weight.Dims.Count < 3:
                return $"weight '{weight.Name}' has rank {weight.Dims.Count}, expected 3 or more";
            case "Conv" when hasBias && TensorData.Count(graph.Initializers[node.Input[2]]) != weight.Dims[0]:
                return $"bias '{node.Input[2]}' does not hold one value per output channel";
            case "MatMul" when weight.Dims.Count < 2:
                return $"weight '{weight.Name}' has rank {weight.Dims.Count}, expected 2 or more";
            case "Gemm":
                if (QdqOps.Int(node, "transA", 0) != 0 || QdqOps.Float(node, "alpha", 1f) != 1f || (hasBias && QdqOps.Float(node, "beta", 1f) != 1f))
                {
                    return "transA, alpha or beta is not the default (QGemm is used with A as is, alpha 1 and beta 1)";
                }

                var n = QdqOps.Int(node, "transB", 0) != 0 ? weight.Dims[0] : weight.Dims[^1];
                if (weight.Dims.Count != 2 || (hasBias && TensorData.Count(graph.Initializers[node.Input[2]]) != n))
                {
                    return "its weight is not 2-D or its bias does not hold one value per output column";
                }

                break;
        }

        return null;
    }

    private NodeProto? FoldableActivation(NodeProto node, IReadOnlySet<string> exclude)
    {
        var output = node.Output[0];
        var consumers = graph.ConsumersOf(output);
        if (graph.GraphOutputs.Contains(output) || consumers.Count != 1)
        {
            return null;
        }

        var next = consumers[0].Node;
        if (exclude.Contains(next.Name) || next.Domain is not ("" or "ai.onnx") || next.Output.Count != 1)
        {
            return null;
        }

        return next.OpType switch
        {
            "Relu" => next,
            "Clip" when ClipsFromZero(next) => next,
            _ => null,
        };
    }

    // ONNX Runtime drops a Clip before a Q whose range lies inside the Clip's: true for Clip(0, max) calibrated on its output.
    private bool ClipsFromZero(NodeProto clip)
    {
        if (clip.Input.Count < 2 || !graph.Initializers.TryGetValue(clip.Input[1], out var min))
        {
            return false;
        }

        var values = TensorData.Floats(min);
        return values.Length == 1 && values[0] == 0f;
    }
}
