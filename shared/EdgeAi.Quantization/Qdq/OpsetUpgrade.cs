using EdgeAi.Common.Onnx.Proto;

namespace EdgeAi.Quantization.Qdq;

/// <summary>
/// QuantizeLinear/DequantizeLinear with an axis (per-channel weights) need opset 13 and IR 7. A model at an older
/// opset is raised to 13 when every op it holds means the same at 13; otherwise it is refused, naming the ops.
/// </summary>
internal static class OpsetUpgrade
{
    public const long Target = 13;

    /// <summary>The oldest opset models are taken at: before 7, Add/Mul/Gemm broadcast by an attribute.</summary>
    public const long Oldest = 7;

    /// <summary>The newest default-domain opset ONNX Runtime 1.31 loads.</summary>
    public const long Newest = 23;

    private const long TargetIrVersion = 7;

    // Op → the oldest opset from which its meaning at opset 13 is the same (later versions only added types or
    // optional attributes whose defaults keep the old behaviour).
    private static readonly Dictionary<string, long> SameSince = new(StringComparer.Ordinal)
    {
        ["Abs"] = 1, ["Acos"] = 1, ["Asin"] = 1, ["Atan"] = 1, ["Cos"] = 1, ["Sin"] = 1, ["Tan"] = 1,
        ["Ceil"] = 1, ["Floor"] = 1, ["Exp"] = 1, ["Log"] = 1, ["Neg"] = 1, ["Reciprocal"] = 1, ["Sqrt"] = 1,
        ["Relu"] = 1, ["LeakyRelu"] = 1, ["Elu"] = 1, ["Selu"] = 1, ["Sigmoid"] = 1, ["HardSigmoid"] = 1, ["Tanh"] = 1,
        ["Softplus"] = 1, ["Softsign"] = 1, ["Identity"] = 1, ["Erf"] = 9, ["Sign"] = 9,
        ["Conv"] = 1, ["ConvTranspose"] = 1, ["MaxPool"] = 1, ["AveragePool"] = 1, ["GlobalAveragePool"] = 1,
        ["GlobalMaxPool"] = 1, ["LpPool"] = 1, ["LRN"] = 1, ["InstanceNormalization"] = 1, ["Flatten"] = 1,
        ["MatMul"] = 1, ["Transpose"] = 1, ["Shape"] = 1, ["Size"] = 1, ["Gather"] = 1, ["Constant"] = 1,
        ["ArgMax"] = 1, ["ArgMin"] = 1, ["ReduceMean"] = 1, ["ReduceMax"] = 1, ["ReduceMin"] = 1, ["ReduceProd"] = 1,
        ["ReduceL2"] = 1, ["ReduceLogSumExp"] = 1, ["SpaceToDepth"] = 1, ["DepthToSpace"] = 1,
        ["Concat"] = 4, ["Reshape"] = 5, ["Cast"] = 6, ["Tile"] = 6,
        ["Add"] = 7, ["Sub"] = 7, ["Mul"] = 7, ["Div"] = 7, ["Pow"] = 7, ["PRelu"] = 7, ["Gemm"] = 7,
        ["Equal"] = 7, ["Less"] = 7, ["Greater"] = 7, ["And"] = 7, ["Or"] = 7, ["Xor"] = 7, ["Not"] = 1,
        ["Sum"] = 8, ["Max"] = 8, ["Min"] = 8, ["Mean"] = 8, ["Expand"] = 8,
        ["BatchNormalization"] = 9, ["Where"] = 9, ["ConstantOfShape"] = 9, ["NonZero"] = 9, ["Slice"] = 10, ["TopK"] = 10,
        ["Clip"] = 11, ["Pad"] = 11, ["Resize"] = 11, ["GatherElements"] = 11, ["Range"] = 11, ["Dropout"] = 12,
        ["Softmax"] = 13, ["LogSoftmax"] = 13, ["Hardmax"] = 13, ["Squeeze"] = 13, ["Unsqueeze"] = 13, ["Split"] = 13,
        ["ReduceSum"] = 13,
    };

    private static readonly Dictionary<string, string> WhatChanged = new(StringComparer.Ordinal)
    {
        ["Softmax"] = "whose axis semantics changed in opset 13",
        ["LogSoftmax"] = "whose axis semantics changed in opset 13",
        ["Hardmax"] = "whose axis semantics changed in opset 13",
        ["Squeeze"] = "whose axes became an input in opset 13",
        ["Unsqueeze"] = "whose axes became an input in opset 13",
        ["Split"] = "whose split sizes became an input in opset 13",
        ["ReduceSum"] = "whose axes became an input in opset 13",
        ["Dropout"] = "whose ratio became an input in opset 12",
        ["Clip"] = "whose min and max became inputs in opset 11",
        ["Pad"] = "whose pads became an input in opset 11",
        ["Resize"] = "whose coordinate transformation changed in opset 11",
        ["Slice"] = "whose starts and ends became inputs in opset 10",
        ["TopK"] = "whose k became an input in opset 10",
        ["BatchNormalization"] = "whose spatial attribute was removed in opset 9",
    };

    // Ops whose only change up to opset 13 moved an attribute to an input: Raise rewrites them.
    private static readonly HashSet<string> Converted = new(StringComparer.Ordinal) { "Squeeze", "Unsqueeze" };

    /// <summary>The opset move the model needs (null: it is at 13 or later already); throws when it cannot be made.</summary>
    public static (long From, long To)? Check(ModelProto model)
    {
        var imports = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").ToList();
        if (imports.Count == 0)
        {
            throw new QuantizationException("the model imports no default-domain (ai.onnx) opset; an ONNX model names the opset its ops come from");
        }

        var opset = imports.Max(o => o.Version);
        if (opset < Oldest)
        {
            throw new QuantizationException($"the model's opset is {opset}; quantization takes opset {Oldest} to {Newest} (convert it to opset {Target} or later first)");
        }

        if (opset > Newest)
        {
            throw new QuantizationException($"the model's opset is {opset}, newer than opset {Newest}, the newest ONNX Runtime 1.31 loads");
        }

        if (opset >= Target)
        {
            return null;
        }

        var blocking = model.Graph.Node
            .Where(n => n.Domain is "" or "ai.onnx")
            .Select(n => n.OpType)
            .Distinct(StringComparer.Ordinal)
            .Where(op => !Converted.Contains(op) && (!SameSince.TryGetValue(op, out var since) || since > opset))
            .Order(StringComparer.Ordinal)
            .Select(op => SameSince.ContainsKey(op)
                ? $"{op}, {WhatChanged.GetValueOrDefault(op, $"which changed after opset {opset}")}"
                : $"{op}, which this quantizer does not know to mean the same at opset {Target}")
            .ToList();
        if (blocking.Count > 0)
        {
            throw new QuantizationException(
                $"per-channel quantization needs opset {Target}, and the opset {opset} model holds {string.Join("; ", blocking)}; convert it to opset {Target} or later first");
        }

        return (opset, Target);
    }

    /// <summary>Writes the new default-domain opset and an IR version that has it.</summary>
    public static void Raise(ModelProto model, (long From, long To)? raise)
    {
        if (raise is not { } move)
        {
            model.IrVersion = Math.Max(model.IrVersion, TargetIrVersion);
            return;
        }

        foreach (var import in model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx"))
        {
            import.Version = move.To;
        }

        foreach (var node in model.Graph.Node.Where(n => n.Domain is "" or "ai.onnx" && Converted.Contains(n.OpType)))
        {
            AxesToInput(model.Graph, node);
        }

        model.IrVersion = Math.Max(model.IrVersion, TargetIrVersion);
    }

    // Squeeze/Unsqueeze before 13 take axes as an attribute; from 13 as an INT64 input.
    private static void AxesToInput(GraphProto graph, NodeProto node)
    {
        var axes = node.Attribute.FirstOrDefault(a => a.Name == "axes");
        if (axes is null)
        {
            return;
        }

        var taken = graph.Initializer.Select(t => t.Name).Concat(graph.Node.SelectMany(n => n.Input.Concat(n.Output))).ToHashSet(StringComparer.Ordinal);
        var name = $"{node.Name}_axes";
        for (var i = 1; taken.Contains(name); i++)
        {
            name = $"{node.Name}_axes_{i}";
        }

        var bytes = new byte[axes.Ints.Count * 8];
        for (var i = 0; i < axes.Ints.Count; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), axes.Ints[i]);
        }

        var tensor = new TensorProto { Name = name, DataType = Common.Onnx.OnnxElementType.Int64, RawData = Google.Protobuf.ByteString.CopyFrom(bytes) };
        tensor.Dims.Add(axes.Ints.Count);
        graph.Initializer.Add(tensor);
        node.Attribute.Remove(axes);
        node.Input.Add(name);
    }
}
