using EdgeAi.Common.Onnx;
using EdgeAi.Quantization.Calibration;
using EdgeAi.Quantization.Qdq;

namespace EdgeAi.Quantization.Tests.Qdq;

public sealed class QdqErrorTests
{
    private static readonly QdqSettings Int8 = new(ActivationType.Int8, false, true, new HashSet<string>());

    [Fact]
    public void Plan_BytesThatAreNotAModel_Throws()
    {
        var ex = Should.Throw<QuantizationException>(() => QdqQuantizer.Plan("not a model"u8.ToArray(), Int8));
        ex.Message.ShouldStartWith("not an ONNX model");
    }

    [Fact]
    public void Plan_NoQuantizableOp_ThrowsNamingTheOps()
    {
        var model = new OnnxModelBuilder("relu", 13)
            .Input("x", OnnxElementType.Float, 1, 4).Output("y", OnnxElementType.Float, 1, 4)
            .Node("Relu", ["x"], ["r"]).Node("Softmax", ["r"], ["y"]).ToBytes();

        var ex = Should.Throw<QuantizationException>(() => QdqQuantizer.Plan(model, Int8));
        ex.Message.ShouldContain("no quantizable op");
        ex.Message.ShouldContain("Relu, Softmax");
    }

    [Fact]
    public void Apply_ExcludeNameNotANode_Throws()
    {
        var settings = Int8 with { ExcludeNodes = new HashSet<string> { "conv_1" } };
        var ex = Should.Throw<QuantizationException>(() => QdqQuantizer.Apply(QdqModels.ConvRelu(), new Dictionary<string, TensorRange>(), settings));
        ex.Message.ShouldContain("'conv_1', which is not a node");
        ex.Message.ShouldContain("Conv_0");
        Should.Throw<QuantizationException>(() => QdqQuantizer.Plan(QdqModels.ConvRelu(), settings));
    }

    [Fact]
    public void Apply_RangeMissing_ThrowsNamingTensorAndNode()
    {
        var ranges = new Dictionary<string, TensorRange> { ["input"] = new(-1, 1) };
        var ex = Should.Throw<QuantizationException>(() => QdqQuantizer.Apply(QdqModels.ConvRelu(), ranges, Int8));
        ex.Message.ShouldContain("no range for tensor 'output'");
        ex.Message.ShouldContain("Conv_0");
    }

    [Fact]
    public void Apply_RangeNotFinite_Throws()
    {
        var ranges = new Dictionary<string, TensorRange> { ["input"] = new(float.NaN, 1), ["output"] = new(0, 1), ["conv"] = new(-1, 1) };
        Should.Throw<QuantizationException>(() => QdqQuantizer.Apply(QdqModels.ConvRelu(), ranges, Int8)).Message.ShouldContain("finite");
    }

    [Fact]
    public void Apply_DynamicWeight_NodeLeftFp32AndSaid()
    {
        var model = new OnnxModelBuilder("dynamic", 13)
            .Input("x", OnnxElementType.Float, 2, 4).Input("b", OnnxElementType.Float, 4, 4).Output("y", OnnxElementType.Float, 2, 4)
            .Initializer("W", QdqModels.Weights(3, 16), 4, 4)
            .Node("MatMul", ["x", "W"], ["h"]).Node("MatMul", ["h", "b"], ["y"]).ToBytes();

        var result = QdqPlacementTests.Apply(model, Int8);

        result.QuantizedNodes.ShouldBe(["MatMul_0"]);
        result.Fp32Nodes.ShouldBe(["MatMul_1"]);
        result.Notes.Single().ShouldContain("weight 'b' is not an initializer");
    }

    [Fact]
    public void Apply_OnlyDynamicWeights_ThrowsNoQuantizableOp()
    {
        var model = new OnnxModelBuilder("dynamic", 13)
            .Input("x", OnnxElementType.Float, 2, 4).Input("b", OnnxElementType.Float, 4, 4).Output("y", OnnxElementType.Float, 2, 4)
            .Node("MatMul", ["x", "b"], ["y"]).ToBytes();

        Should.Throw<QuantizationException>(() => QdqQuantizer.Plan(model, Int8)).Message.ShouldContain("weight 'b' is not an initializer");
    }

    [Theory]
    [InlineData(OnnxElementType.Float16, "float16")]
    [InlineData(OnnxElementType.Double, "double")]
    public void Plan_NotFp32Model_Throws(int type, string name)
    {
        var model = new OnnxModelBuilder("wide", 13)
            .Input("x", type, 2, 4).Output("y", type, 2, 4).Node("Relu", ["x"], ["y"]).ToBytes();

        var ex = Should.Throw<QuantizationException>(() => QdqQuantizer.Plan(model, Int8));
        ex.Message.ShouldContain($"not fp32: 'x' ({name})");
    }

    [Fact]
    public void Plan_SoftmaxAtOpset11_RefusedNamingOpAndOpsets()
    {
        var model = new OnnxModelBuilder("softmax", 11)
            .Input("x", OnnxElementType.Float, 2, 4).Output("y", OnnxElementType.Float, 2, 4)
            .Initializer("W", QdqModels.Weights(3, 16), 4, 4)
            .Node("MatMul", ["x", "W"], ["h"]).Node("Softmax", ["h"], ["y"]).ToBytes();

        var ex = Should.Throw<QuantizationException>(() => QdqQuantizer.Plan(model, Int8));
        ex.Message.ShouldBe("per-channel quantization needs opset 13, and the opset 11 model holds Softmax, whose axis semantics changed in opset 13; convert it to opset 13 or later first");
    }

    [Theory]
    [InlineData(6, "opset is 6")]
    [InlineData(30, "newer than opset")]
    public void Plan_OpsetOutOfRange_Refused(int opset, string expected)
    {
        Should.Throw<QuantizationException>(() => QdqQuantizer.Plan(QdqModels.ConvRelu(opset), Int8)).Message.ShouldContain(expected);
    }

    [Fact]
    public void Plan_AlreadyQuantizedModel_Refused() =>
        Should.Throw<QuantizationException>(() => QdqQuantizer.Plan(SampleModels.ClassifierInt8Qdq(), Int8)).Message.ShouldContain("already quantized");

    [Fact]
    public void Apply_CustomDomainNode_LeftAloneAndNeighboursQuantized()
    {
        var model = new OnnxModelBuilder("custom", 13)
            .Opset("com.example", 1)
            .Input("x", OnnxElementType.Float, 2, 4).Output("y", OnnxElementType.Float, 2, 4)
            .Initializer("W", QdqModels.Weights(3, 16), 4, 4)
            .Node("MatMul", ["x", "W"], ["h"]).Node("Relu", ["h"], ["y"]).ToBytes();
        var proto = Common.Onnx.Proto.ModelProto.Parser.ParseFrom(model);
        proto.Graph.Node[1].Domain = "com.example";
        proto.Graph.Node[1].OpType = "Mystery";

        var result = QdqPlacementTests.Apply(Google.Protobuf.MessageExtensions.ToByteArray(proto), Int8);

        result.QuantizedNodes.ShouldBe(["MatMul_0"]);
        var graph = Common.Onnx.Proto.ModelProto.Parser.ParseFrom(result.Model).Graph;
        graph.Node.Single(n => n.OpType == "Mystery").Input[0].ShouldBe("h_dequantized");
    }
}
