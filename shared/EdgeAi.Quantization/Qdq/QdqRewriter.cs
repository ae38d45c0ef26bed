using EdgeAi.Common.Onnx.Proto;
using EdgeAi.Quantization.Calibration;

namespace EdgeAi.Quantization.Qdq;

/// <summary>
/// Writes the QDQ form: a QuantizeLinear after each quantized activation tensor's producer and one DequantizeLinear
/// that every consumer reads (fp32 consumers too, so the producer's only consumer is the Q and ONNX Runtime fuses
/// it); weights as INT8 initializers with a DequantizeLinear, biases as INT32; a graph output keeps its name and
/// stays fp32 (the last DQ writes it).
/// </summary>
internal sealed class QdqRewriter
{
    private readonly QdqGraph graph;
    private readonly QdqSelection selection;
    private readonly IReadOnlyDictionary<string, TensorRange> ranges;
    private readonly QdqSettings settings;
    private readonly QdqNames names;
    private readonly Dictionary<string, QuantParams> quantized = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> quantizedNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QuantizedWeight> weights = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Values, string Scale, string ZeroPoint)> weightNames = new(StringComparer.Ordinal);
    // By value: a pass-through op's output shares its input's initializers.
    private readonly Dictionary<QuantParams, (string Scale, string ZeroPoint)> scalars = [];
    private readonly Dictionary<string, string> dequantized = new(StringComparer.Ordinal);
    private readonly List<NodeProto> nodes = [];
    private readonly List<TensorProto> initializers = [];

    private QdqRewriter(QdqGraph graph, QdqSelection selection, IReadOnlyDictionary<string, TensorRange> ranges, QdqSettings settings)
    {
        this.graph = graph;
        this.selection = selection;
        this.ranges = ranges;
        this.settings = settings;
        names = new QdqNames(graph.Model.Graph);
    }

    public static void Rewrite(QdqGraph graph, QdqSelection selection, IReadOnlyDictionary<string, TensorRange> ranges, QdqSettings settings)
    {
        var rewriter = new QdqRewriter(graph, selection, ranges, settings);
        rewriter.ChooseParams();
        rewriter.Write();
    }

    private void ChooseParams()
    {
        foreach (var node in selection.Quantized)
        {
            var kind = selection.KindOf(node);
            foreach (var slot in QdqOps.DataSlots(node, kind))
            {
                var input = node.Input[slot];
                if (!graph.Initializers.ContainsKey(input) && !quantized.ContainsKey(input))
                {
                    quantized[input] = Measured(input, node);
                }
            }

            var output = selection.FoldedInto(node)?.Output[0] ?? node.Output[0];
            // Values a pass-through op moves keep their scale and zero point, which is what lets ONNX Runtime drop its DQ and Q.
            quantized[output] = kind == QdqKind.PassThrough ? quantized[node.Input[0]] : Measured(output, node);
        }
    }

    private QuantParams Measured(string tensor, NodeProto node) =>
        ranges.TryGetValue(tensor, out var range)
            ? QuantMath.Activation(range, settings.Activations, tensor)
            : throw new QuantizationException($"no range for tensor '{tensor}', which node '{node.Name}' ({node.OpType}) needs; calibrate every tensor QdqQuantizer.Plan lists");

    private void Write()
    {
        var graphProto = graph.Model.Graph;
        foreach (var input in graphProto.Input.Select(i => i.Name).Where(i => graph.GraphInputs.Contains(i) && quantized.ContainsKey(i)))
        {
            Quantize(input, input);
        }

        foreach (var node in graphProto.Node)
        {
            var isQuantized = selection.IsQuantized(node);
            // The inputs as the model had them: slots are rewritten one by one, and the bias needs the weight and the data input.
            var original = node.Input.ToArray();
            for (var slot = 0; slot < node.Input.Count; slot++)
            {
                var input = node.Input[slot];
                if (quantized.TryGetValue(input, out var p))
                {
                    node.Input[slot] = Dequantize(input, quantizedNames[input], p);
                }
                else if (isQuantized && graph.Initializers.ContainsKey(input) && IsQuantizedConstant(node, slot))
                {
                    node.Input[slot] = Constant(node, slot, original);
                }
            }

            nodes.Add(node);
            for (var i = 0; i < node.Output.Count; i++)
            {
                var output = node.Output[i];
                if (!quantized.ContainsKey(output))
                {
                    continue;
                }

                if (graph.GraphOutputs.Contains(output))
                {
                    // The graph output stays fp32 under its name: the node writes a new name, a DQ writes the output.
                    node.Output[i] = names.Tensor($"{output}_fp32");
                    Quantize(output, node.Output[i]);
                    nodes.Add(DequantizeNode(quantizedNames[output], output, quantized[output], output));
                    dequantized[output] = output;
                }
                else
                {
                    Quantize(output, output);
                }
            }
        }

        graphProto.Node.Clear();
        graphProto.Node.AddRange(nodes);
        graphProto.Initializer.AddRange(initializers);
        var used = graphProto.Node.SelectMany(n => n.Input).Concat(graphProto.Output.Select(o => o.Name)).ToHashSet(StringComparer.Ordinal);
        var kept = graphProto.Initializer.Where(t => used.Contains(t.Name)).ToList();
        graphProto.Initializer.Clear();
        graphProto.Initializer.AddRange(kept);
    }

    private void Quantize(string tensor, string source)
    {
        var p = quantized[tensor];
        var (scale, zeroPoint) = ScalarParams(tensor, p);
        var output = names.Tensor($"{tensor}_quantized");
        var q = new NodeProto { OpType = "QuantizeLinear", Name = names.Node($"{tensor}_QuantizeLinear") };
        q.Input.AddRange([source, scale, zeroPoint]);
        q.Output.Add(output);
        nodes.Add(q);
        quantizedNames[tensor] = output;
    }

    // One DQ per quantized tensor, shared by its consumers, written before the first of them. ONNX Runtime gives each
    // node unit its own copy (EnsureUniqueDQForNodeUnit) before fusing; separate DQs of one Q written here would be
    // merged again by its common-subexpression pass after that, and the fusions around them would fail.
    private string Dequantize(string tensor, string source, QuantParams p)
    {
        if (dequantized.TryGetValue(tensor, out var existing))
        {
            return existing;
        }

        var output = names.Tensor($"{tensor}_dequantized");
        nodes.Add(DequantizeNode(source, output, p, tensor));
        return dequantized[tensor] = output;
    }

    private NodeProto DequantizeNode(string source, string output, QuantParams p, string tensor)
    {
        var (scale, zeroPoint) = ScalarParams(tensor, p);
        var dq = new NodeProto { OpType = "DequantizeLinear", Name = names.Node($"{output}_DequantizeLinear") };
        dq.Input.AddRange([source, scale, zeroPoint]);
        dq.Output.Add(output);
        return dq;
    }

    private (string Scale, string ZeroPoint) ScalarParams(string tensor, QuantParams p)
    {
        if (scalars.TryGetValue(p, out var existing))
        {
            return existing;
        }

        var scale = names.Tensor($"{tensor}_scale");
        var zeroPoint = names.Tensor($"{tensor}_zero_point");
        initializers.Add(TensorData.Float(scale, [p.Scale], []));
        initializers.Add(ZeroPoints(zeroPoint, [p.ZeroPoint], []));
        return scalars[p] = (scale, zeroPoint);
    }

    private TensorProto ZeroPoints(string name, int[] values, long[] dims) => settings.Activations == ActivationType.Int8
        ? TensorData.Int8(name, [.. values.Select(v => (sbyte)v)], dims)
        : TensorData.UInt8(name, [.. values.Select(v => (byte)v)], dims);

    private bool IsQuantizedConstant(NodeProto node, int slot) => selection.KindOf(node) switch
    {
        QdqKind.Weighted => slot is 1 or 2,
        QdqKind.Binary or QdqKind.Variadic => true,
        _ => false,
    };

    // A constant operand of a quantized node: the weight or bias of Conv/MatMul/Gemm, or a constant of Add/Mul/Concat.
    private string Constant(NodeProto node, int slot, string[] original)
    {
        var name = node.Input[slot];
        var kind = selection.KindOf(node);
        if (kind != QdqKind.Weighted)
        {
            var (p, values) = QuantMath.Constant(TensorData.Floats(graph.Initializers[name]), settings.Activations, name);
            var q = names.Tensor($"{name}_quantized");
            initializers.Add(settings.Activations == ActivationType.Int8
                ? TensorData.Int8(q, [.. values.Select(v => (sbyte)v)], graph.Initializers[name].Dims)
                : TensorData.UInt8(q, [.. values.Select(v => (byte)v)], graph.Initializers[name].Dims));
            return Dequantize(q, q, p);
        }

        return slot switch
        {
            1 => Weight(node, original[1]),
            2 => Bias(node, original[2], original[1], quantized[original[0]].Scale),
            _ => name,
        };
    }

    private string Weight(NodeProto node, string weightName)
    {
        var tensor = graph.Initializers[weightName];
        var axis = WeightAxis(node, tensor);
        var key = $"{tensor.Name}@{axis}";
        if (!weights.TryGetValue(key, out var weight))
        {
            // One INT8 copy however many nodes share the weight; each node gets its own DQ.
            weight = QuantMath.Weight(TensorData.Floats(tensor), tensor.Dims, axis, settings.ReduceRange);
            weights[key] = weight;
            var scaleDims = axis is null ? Array.Empty<long>() : [weight.Scales.Length];
            weightNames[key] = (names.Tensor($"{tensor.Name}_quantized"), names.Tensor($"{tensor.Name}_scale"), names.Tensor($"{tensor.Name}_zero_point"));
            initializers.Add(TensorData.Int8(weightNames[key].Values, weight.Values, tensor.Dims));
            initializers.Add(TensorData.Float(weightNames[key].Scale, weight.Scales, scaleDims));
            initializers.Add(TensorData.Int8(weightNames[key].ZeroPoint, new sbyte[weight.Scales.Length], scaleDims));
        }

        var (name, scale, zeroPoint) = weightNames[key];
        return DequantizeConstant(name, scale, zeroPoint, axis);
    }

    private string Bias(NodeProto node, string biasName, string weightName, float inputScale)
    {
        var tensor = graph.Initializers[biasName];
        var weightTensor = graph.Initializers[weightName];
        var axis = WeightAxis(node, weightTensor);
        var weight = weights[$"{weightTensor.Name}@{axis}"];
        var (values, scales) = QuantMath.Bias(TensorData.Floats(tensor), inputScale, weight.Scales);
        var name = names.Tensor($"{tensor.Name}_quantized");
        var scale = names.Tensor($"{tensor.Name}_scale");
        var zeroPoint = names.Tensor($"{tensor.Name}_zero_point");
        initializers.Add(TensorData.Int32(name, values, [values.Length]));
        if (axis is null)
        {
            initializers.Add(TensorData.Float(scale, [scales[0]], []));
            initializers.Add(TensorData.Int32(zeroPoint, [0], []));
        }
        else
        {
            initializers.Add(TensorData.Float(scale, scales, [scales.Length]));
            initializers.Add(TensorData.Int32(zeroPoint, new int[scales.Length], [scales.Length]));
        }

        return DequantizeConstant(name, scale, zeroPoint, axis is null ? null : 0);
    }

    private string DequantizeConstant(string source, string scale, string zeroPoint, int? axis)
    {
        if (dequantized.TryGetValue(source, out var existing))
        {
            return existing;
        }

        var output = dequantized[source] = names.Tensor($"{source}_dequantized");
        var dq = new NodeProto { OpType = "DequantizeLinear", Name = names.Node($"{output}_DequantizeLinear") };
        dq.Input.AddRange([source, scale, zeroPoint]);
        dq.Output.Add(output);
        if (axis is { } a)
        {
            dq.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = a });
        }

        nodes.Add(dq);
        return output;
    }

    /// <summary>The output-channel axis: 0 for Conv and Gemm with transB, the last (columns) for MatMul and Gemm without; null per tensor.</summary>
    private int? WeightAxis(NodeProto node, TensorProto weight)
    {
        if (!settings.PerChannel)
        {
            return null;
        }

        return node.OpType switch
        {
            "Conv" => 0,
            "Gemm" => QdqOps.Int(node, "transB", 0) != 0 ? 0 : 1,
            "MatMul" when weight.Dims.Count == 2 => 1,
            _ => null,
        };
    }
}
