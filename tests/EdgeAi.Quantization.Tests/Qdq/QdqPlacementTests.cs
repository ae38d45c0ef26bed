using System.Buffers.Binary;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Onnx.Proto;
using EdgeAi.Quantization.Calibration;
using EdgeAi.Quantization.Qdq;

namespace EdgeAi.Quantization.Tests.Qdq;

public sealed class QdqPlacementTests
{
    private static readonly QdqSettings Int8 = new(ActivationType.Int8, false, true, new HashSet<string>());

    [Fact]
    public void Plan_ConvRelu_ListsTheConvAndTheTensorsAroundIt()
    {
        var plan = QdqQuantizer.Plan(QdqModels.ConvRelu(), Int8);

        plan.Nodes.ShouldBe([new QuantizableNode("Conv_0", "Conv")]);
        plan.Tensors.ShouldBe(["input", "conv", "output"]);
    }

    [Fact]
    public void Apply_ConvRelu_WeightsPerChannelOnAxis0WithMaxAbsOver127()
    {
        var model = QdqModels.ConvRelu();
        var result = Apply(model, Int8);
        var graph = ModelProto.Parser.ParseFrom(result.Model).Graph;

        var wq = graph.Initializer.Single(t => t.Name == "W_quantized");
        wq.DataType.ShouldBe(OnnxElementType.Int8);
        wq.Dims.ShouldBe([4L, 3, 3, 3]);
        var scales = Floats(graph.Initializer.Single(t => t.Name == "W_scale"));
        var weights = ModelProto.Parser.ParseFrom(model).Graph.Initializer.Single(t => t.Name == "W");
        var w = Floats(weights);
        for (var c = 0; c < 4; c++)
        {
            scales[c].ShouldBe(w.Skip(c * 27).Take(27).Max(MathF.Abs) / 127f, 1e-7f);
        }

        scales.Distinct().Count().ShouldBe(4);
        var dq = graph.Node.Single(n => n.OpType == "DequantizeLinear" && n.Input[0] == "W_quantized");
        dq.Attribute.Single(a => a.Name == "axis").I.ShouldBe(0);
        graph.Initializer.ShouldNotContain(t => t.Name == "W", "the fp32 weight is no longer used");
    }

    [Fact]
    public void Apply_ConvRelu_BiasInt32WithInputScaleTimesWeightScale()
    {
        var result = Apply(QdqModels.ConvRelu(), Int8);
        var graph = ModelProto.Parser.ParseFrom(result.Model).Graph;

        var bq = graph.Initializer.Single(t => t.Name == "B_quantized");
        bq.DataType.ShouldBe(OnnxElementType.Int32);
        var biasScale = Floats(graph.Initializer.Single(t => t.Name == "B_scale"));
        var inputScale = Floats(graph.Initializer.Single(t => t.Name == "input_scale"))[0];
        var weightScale = Floats(graph.Initializer.Single(t => t.Name == "W_scale"));
        for (var c = 0; c < 4; c++)
        {
            biasScale[c].ShouldBe(inputScale * weightScale[c]);
        }

        var values = Int32s(bq);
        values[1].ShouldBe((int)Math.Round(-0.2 / biasScale[1]));
        graph.Node.Single(n => n.OpType == "DequantizeLinear" && n.Input[0] == "B_quantized").Attribute.Single().I.ShouldBe(0);
    }

    [Fact]
    public void Apply_ConvRelu_ReluFoldedWithNoQdqBetweenConvAndRelu()
    {
        var result = Apply(QdqModels.ConvRelu(), Int8);
        var graph = ModelProto.Parser.ParseFrom(result.Model).Graph;

        var conv = graph.Node.Single(n => n.OpType == "Conv");
        var relu = graph.Node.Single(n => n.OpType == "Relu");
        relu.Input[0].ShouldBe(conv.Output[0]);
        graph.Node.Count(n => n.Input.Contains(conv.Output[0])).ShouldBe(1);
        // The Relu's output is quantized with zero point -128 (its range starts at 0), so ORT drops the Relu.
        var q = graph.Node.Single(n => n.OpType == "QuantizeLinear" && n.Input[0] == relu.Output[0]);
        Int8s(graph.Initializer.Single(t => t.Name == q.Input[2]))[0].ShouldBe((sbyte)-128);
        graph.Output.Single().Name.ShouldBe("output");
        graph.Node.Single(n => n.Output.Contains("output")).OpType.ShouldBe("DequantizeLinear");
        result.QuantizedNodes.ShouldBe(["Conv_0"]);
    }

    [Fact]
    public void Apply_ReduceRange_WeightsUseSevenBits()
    {
        var result = Apply(QdqModels.ConvRelu(), Int8 with { ReduceRange = true });
        var graph = ModelProto.Parser.ParseFrom(result.Model).Graph;

        var values = Int8s(graph.Initializer.Single(t => t.Name == "W_quantized"));
        values.Max(v => Math.Abs((int)v)).ShouldBe(63);
    }

    [Fact]
    public void Apply_PerTensor_OneWeightScaleAndNoAxis()
    {
        var result = Apply(QdqModels.ConvRelu(), Int8 with { PerChannel = false });
        var graph = ModelProto.Parser.ParseFrom(result.Model).Graph;

        graph.Initializer.Single(t => t.Name == "W_scale").Dims.ShouldBeEmpty();
        graph.Node.Single(n => n.OpType == "DequantizeLinear" && n.Input[0] == "W_quantized").Attribute.ShouldBeEmpty();
    }

    [Fact]
    public void Apply_UInt8_ActivationZeroPointsAreUInt8()
    {
        var result = Apply(QdqModels.ConvRelu(), Int8 with { Activations = ActivationType.UInt8 });
        var graph = ModelProto.Parser.ParseFrom(result.Model).Graph;

        var zp = graph.Initializer.Single(t => t.Name == "output_zero_point");
        zp.DataType.ShouldBe(OnnxElementType.UInt8);
        zp.RawData[0].ShouldBe((byte)0);
    }

    [Fact]
    public void Apply_GemmTransB_WeightScalesOnAxis0AndMatMulOnAxis1()
    {
        var result = Apply(QdqModels.GemmMatMul(), Int8);
        var graph = ModelProto.Parser.ParseFrom(result.Model).Graph;

        graph.Initializer.Single(t => t.Name == "W_scale").Dims.ShouldBe([8L]);
        graph.Node.Single(n => n.OpType == "DequantizeLinear" && n.Input[0] == "W_quantized").Attribute.Single().I.ShouldBe(0);
        graph.Initializer.Single(t => t.Name == "W2_scale").Dims.ShouldBe([4L]);
        graph.Node.Single(n => n.OpType == "DequantizeLinear" && n.Input[0] == "W2_quantized").Attribute.Single().I.ShouldBe(1);
        result.QuantizedNodes.ShouldBe(["Gemm_0", "MatMul_2"]);
    }

    [Fact]
    public void Apply_Branches_OneQPerTensorAndOneDqPerConsumer()
    {
        var result = Apply(QdqModels.Branches(), Int8);
        var graph = ModelProto.Parser.ParseFrom(result.Model).Graph;

        // p1 (the MaxPool's output) feeds two Convs and the Concat: one Q and one DQ read by all three (ORT copies the DQ per node unit).
        var q = graph.Node.Single(n => n.OpType == "QuantizeLinear" && n.Input[0] == "p1");
        var dq = graph.Node.Single(n => n.OpType == "DequantizeLinear" && n.Input[0] == q.Output[0]);
        graph.Node.Where(n => n.Input.Contains(dq.Output[0])).Select(n => n.Name).ShouldBe(["Conv_3", "Conv_4", "Concat_7"]);
        // The MaxPool's output reuses its input's scale and zero point, so ORT drops its DQ/Q pair.
        var poolScale = graph.Initializer.Single(t => t.Name == q.Input[1]);
        var reluScale = graph.Initializer.Single(t => t.Name == graph.Node.Single(n => n.OpType == "QuantizeLinear" && n.Input[0] == "r1").Input[1]);
        Floats(poolScale).ShouldBe(Floats(reluScale));
        result.QuantizedNodes.ShouldBe(["Conv_0", "MaxPool_2", "Conv_3", "Conv_4", "Add_5", "Concat_7", "Reshape_8"]);
    }

    [Fact]
    public void Apply_ExcludedNode_StaysFp32WithNoQdqOfItsOwn()
    {
        var settings = Int8 with { ExcludeNodes = new HashSet<string> { "Conv_4" } };
        var result = Apply(QdqModels.Branches(), settings);
        var graph = ModelProto.Parser.ParseFrom(result.Model).Graph;

        result.Fp32Nodes.ShouldBe(["Conv_4"]);
        var conv = graph.Node.Single(n => n.Name == "Conv_4");
        conv.Input[1].ShouldBe("W3");
        graph.Initializer.ShouldContain(t => t.Name == "W3" && t.DataType == OnnxElementType.Float);
        // Its input is still dequantized (the neighbours quantize p1), its output gets Q/DQ only because the Add needs it.
        graph.Node.Single(n => n.Output.Contains(conv.Input[0])).OpType.ShouldBe("DequantizeLinear");
        QdqQuantizer.Plan(QdqModels.Branches(), settings).Nodes.ShouldNotContain(n => n.Name == "Conv_4");
    }

    [Fact]
    public void Plan_UnnamedNodes_GetStableNamesThatApplyWrites()
    {
        var proto = ModelProto.Parser.ParseFrom(QdqModels.ConvRelu());
        proto.Graph.Node[0].Name = "";
        var bytes = Google.Protobuf.MessageExtensions.ToByteArray(proto);

        var plan = QdqQuantizer.Plan(bytes, Int8);
        var result = Apply(bytes, Int8 with { ExcludeNodes = new HashSet<string> { plan.Nodes[0].Name } });

        plan.Nodes[0].Name.ShouldBe("Conv_0");
        result.Fp32Nodes.ShouldBe(["Conv_0"]);
        ModelProto.Parser.ParseFrom(result.Model).Graph.Node.ShouldContain(n => n.Name == "Conv_0" && n.OpType == "Conv");
    }

    [Fact]
    public void Apply_Opset8Model_RaisedTo13AndIr7()
    {
        var result = Apply(QdqModels.ConvRelu(opset: 8), Int8);
        var proto = ModelProto.Parser.ParseFrom(result.Model);

        proto.OpsetImport.Single(o => o.Domain == "").Version.ShouldBe(13);
        proto.IrVersion.ShouldBeGreaterThanOrEqualTo(7);
        result.OpsetRaised.ShouldBe((8L, 13L));
    }

    internal static QdqResult Apply(byte[] model, QdqSettings settings)
    {
        var plan = QdqQuantizer.Plan(model, settings with { ExcludeNodes = new HashSet<string>() });
        var ranges = plan.Tensors.ToDictionary(t => t, t => new TensorRange(t == "input" ? -1f : 0f, 2f));
        return QdqQuantizer.Apply(model, ranges, settings);
    }

    internal static float[] Floats(TensorProto t) =>
        [.. Enumerable.Range(0, t.RawData.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(t.RawData.Span.Slice(i * 4)))];

    internal static int[] Int32s(TensorProto t) =>
        [.. Enumerable.Range(0, t.RawData.Length / 4).Select(i => BinaryPrimitives.ReadInt32LittleEndian(t.RawData.Span.Slice(i * 4)))];

    internal static sbyte[] Int8s(TensorProto t) => [.. t.RawData.Select(b => (sbyte)b)];
}
