using EdgeAi.Common.Onnx;
using EdgeAi.Common.Onnx.Proto;
using Google.Protobuf;

namespace EdgeAi.Quantization.Qdq;

/// <summary>
/// A parsed fp32 model with what the rewrite asks of it: every node named (a node with no name gets
/// <c>{OpType}_{index}</c>, the same for the same bytes), initializers by name, consumers by tensor, and the
/// element type of every tensor that can be told without running the model.
/// </summary>
internal sealed class QdqGraph
{
    private readonly Dictionary<string, List<(NodeProto Node, int Slot)>> consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> elementTypes = new(StringComparer.Ordinal);

    private QdqGraph(ModelProto model)
    {
        Model = model;
        Initializers = model.Graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        GraphOutputs = model.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        GraphInputs = model.Graph.Input.Select(i => i.Name).Where(n => !Initializers.ContainsKey(n)).ToHashSet(StringComparer.Ordinal);
        NameNodes(model.Graph);
        foreach (var node in model.Graph.Node)
        {
            for (var slot = 0; slot < node.Input.Count; slot++)
            {
                if (node.Input[slot].Length == 0)
                {
                    continue;
                }

                if (!consumers.TryGetValue(node.Input[slot], out var list))
                {
                    consumers[node.Input[slot]] = list = [];
                }

                list.Add((node, slot));
            }
        }

        InferElementTypes();
    }

    public ModelProto Model { get; }

    public Dictionary<string, TensorProto> Initializers { get; }

    /// <summary>Graph inputs that are not initializers (IR 3 models list every weight as an input too).</summary>
    public HashSet<string> GraphInputs { get; }

    public HashSet<string> GraphOutputs { get; }

    public IReadOnlyList<NodeProto> Nodes => Model.Graph.Node;

    public static QdqGraph Load(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            throw new QuantizationException("not an ONNX model: the data is empty");
        }

        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new QuantizationException($"not an ONNX model: {ex.Message}", ex);
        }

        if (model.Graph is null || model.Graph.Node.Count == 0 || model.IrVersion <= 0)
        {
            throw new QuantizationException("not an ONNX model: it has no IR version or no graph with nodes");
        }

        CheckFloat32(model.Graph);
        return new QdqGraph(model);
    }

    public IReadOnlyList<(NodeProto Node, int Slot)> ConsumersOf(string tensor) =>
        consumers.TryGetValue(tensor, out var list) ? list : [];

    public bool IsFloat(string tensor) => elementTypes.TryGetValue(tensor, out var type) && type == OnnxElementType.Float;

    public bool IsActivation(string tensor) => tensor.Length > 0 && !Initializers.ContainsKey(tensor) && IsFloat(tensor);

    /// <summary>From IR 4 on, an initializer that is also a graph input may be overridden at run time, so ONNX Runtime does not treat it as a constant (no fusion): the written model lists none.</summary>
    public void DropInitializerInputs()
    {
        var names = Model.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = Model.Graph.Input.Where(i => !names.Contains(i.Name) && (GraphInputs.Contains(i.Name) || IsUsed(i.Name))).ToList();
        Model.Graph.Input.Clear();
        Model.Graph.Input.AddRange(inputs);
    }

    private bool IsUsed(string name) => Model.Graph.Node.Any(n => n.Input.Contains(name)) || GraphOutputs.Contains(name);

    private static void NameNodes(GraphProto graph)
    {
        var used = graph.Node.Where(n => n.Name.Length > 0).Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (node.Name.Length > 0 && seen.Add(node.Name))
            {
                continue;
            }

            // No name, or a name an earlier node already has (the exclude list could not tell them apart).
            var name = node.Name.Length == 0 ? $"{node.OpType}_{i}" : $"{node.Name}_{i}";
            while (!used.Add(name))
            {
                name += "_";
            }

            node.Name = name;
            seen.Add(name);
        }
    }

    private static void CheckFloat32(GraphProto graph)
    {
        var wide = graph.Input.Concat(graph.Output)
            .Where(v => v.Type?.TensorType is { } t && t.ElemType is OnnxElementType.Float16 or OnnxElementType.Double or OnnxElementType.BFloat16)
            .Select(v => $"'{v.Name}' ({TypeName(v.Type.TensorType.ElemType)})")
            .Concat(graph.Initializer
                .Where(t => t.DataType is OnnxElementType.Float16 or OnnxElementType.Double or OnnxElementType.BFloat16)
                .Select(t => $"initializer '{t.Name}' ({TypeName(t.DataType)})"))
            .Take(3)
            .ToList();
        if (wide.Count > 0)
        {
            throw new QuantizationException($"the model is not fp32: {string.Join(", ", wide)}; quantization takes an fp32 model (convert fp16/double models to fp32 first)");
        }

        var quantized = graph.Node.FirstOrDefault(n => n.Domain is "" or "ai.onnx" && n.OpType is "QuantizeLinear" or "DequantizeLinear" or "QLinearConv" or "QLinearMatMul" or "MatMulInteger" or "ConvInteger" or "DynamicQuantizeLinear");
        if (quantized is not null)
        {
            throw new QuantizationException($"the model is already quantized: it holds {quantized.OpType} ('{quantized.Name}'); quantization takes the fp32 model");
        }
    }

    private static string TypeName(int type) => type switch
    {
        OnnxElementType.Float16 => "float16",
        OnnxElementType.Double => "double",
        OnnxElementType.BFloat16 => "bfloat16",
        _ => type.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    // Types an fp32 graph's tensors have, from the file where it says (inputs, initializers, value_info) and from
    // each op's rule otherwise; a tensor whose type cannot be told is never quantized.
    private void InferElementTypes()
    {
        var graph = Model.Graph;
        foreach (var v in graph.Input.Concat(graph.Output).Concat(graph.ValueInfo))
        {
            if (v.Type?.TensorType is { ElemType: > 0 } t)
            {
                elementTypes[v.Name] = t.ElemType;
            }
        }

        foreach (var t in graph.Initializer)
        {
            elementTypes[t.Name] = t.DataType;
        }

        foreach (var node in graph.Node)
        {
            var type = OutputType(node);
            foreach (var output in node.Output.Where(o => o.Length > 0))
            {
                if (type is { } known)
                {
                    elementTypes.TryAdd(output, known);
                }
            }

            // TopK, MaxPool and friends: the second output is int64 indices.
            if (node.Output.Count > 1 && node.OpType is "TopK" or "MaxPool" or "Unique")
            {
                for (var i = 1; i < node.Output.Count; i++)
                {
                    elementTypes[node.Output[i]] = OnnxElementType.Int64;
                }
            }
        }
    }

    private int? OutputType(NodeProto node)
    {
        if (node.Domain is not ("" or "ai.onnx"))
        {
            return null;
        }

        switch (node.OpType)
        {
            case "Shape" or "Size" or "ArgMax" or "ArgMin" or "NonZero" or "NonMaxSuppression":
                return OnnxElementType.Int64;
            case "Equal" or "Less" or "Greater" or "LessOrEqual" or "GreaterOrEqual" or "Not" or "And" or "Or" or "Xor" or "IsNaN" or "IsInf":
                return OnnxElementType.Bool;
            case "Cast":
                return (int?)node.Attribute.FirstOrDefault(a => a.Name == "to")?.I;
            case "Constant":
                var value = node.Attribute.FirstOrDefault();
                return value?.Name switch
                {
                    "value" => value.T?.DataType,
                    "value_float" or "value_floats" => OnnxElementType.Float,
                    "value_int" or "value_ints" => OnnxElementType.Int64,
                    _ => null,
                };
            case "ConstantOfShape":
                return node.Attribute.FirstOrDefault(a => a.Name == "value")?.T?.DataType ?? OnnxElementType.Float;
            case "Where":
                return TypeOf(node, 1);
            default:
                return TypeOf(node, 0);
        }
    }

    private int? TypeOf(NodeProto node, int first)
    {
        for (var i = first; i < node.Input.Count; i++)
        {
            if (elementTypes.TryGetValue(node.Input[i], out var type))
            {
                return type;
            }
        }

        return null;
    }
}
