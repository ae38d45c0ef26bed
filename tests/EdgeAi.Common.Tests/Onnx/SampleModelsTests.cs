using EdgeAi.Common.Onnx;
using EdgeAi.Common.Onnx.Proto;

namespace EdgeAi.Common.Tests.Onnx;

public sealed class SampleModelsTests
{
    [Fact]
    public void ClassifierReference_BatchOfRows_EachRowSumsToOne()
    {
        float[] input = [0.5f, -1f, 2f, 0f, -2f, 1.5f, 0.25f, -0.75f];

        var probabilities = SampleModels.ClassifierReference(input);

        probabilities.Length.ShouldBe(6);
        probabilities.ShouldAllBe(p => p > 0f && p < 1f);
        probabilities.Take(3).Sum().ShouldBe(1f, tolerance: 1e-5f);
        probabilities.Skip(3).Sum().ShouldBe(1f, tolerance: 1e-5f);
    }

    [Fact]
    public void ClassifierReference_ZeroInput_IsSoftmaxOfBias()
    {
        var probabilities = SampleModels.ClassifierReference(new float[4]);

        var expected = new[] { 0f, 0.1f, 0.2f }.Select(MathF.Exp).ToArray();
        probabilities.ShouldBe(expected.Select(e => e / expected.Sum()).ToArray(), tolerance: 1e-6f);
    }

    [Fact]
    public void ClassifierReference_PartialRow_Throws()
    {
        Should.Throw<ArgumentException>(() => SampleModels.ClassifierReference([1f, 2f, 3f]));
    }

    [Fact]
    public void ClassifierInt8Qdq_Read_HasClassifierInterface()
    {
        var fp32 = OnnxModelReader.Read(SampleModels.Classifier(8, 5));
        var int8 = OnnxModelReader.Read(SampleModels.ClassifierInt8Qdq(8, 5));

        int8.Inputs.ShouldHaveSingleItem().Shape.ShouldBe(fp32.Inputs[0].Shape);
        int8.Outputs.ShouldHaveSingleItem().Name.ShouldBe("probabilities");
        int8.Outputs[0].Shape.ShouldBe([-1L, 5L]);
    }

    [Fact]
    public void ClassifierInt8Qdq_Weights_AreInt8()
    {
        var model = ModelProto.Parser.ParseFrom(SampleModels.ClassifierInt8Qdq());

        var weights = model.Graph.Initializer.Single(t => t.Name == "W_quantized");
        weights.DataType.ShouldBe(OnnxElementType.Int8);
        weights.RawData.Length.ShouldBe(12);
        model.Graph.Node.Select(n => n.OpType).ShouldContain("QuantizeLinear");
    }

    [Theory]
    [InlineData(OnnxElementType.Float)]
    [InlineData(OnnxElementType.UInt8)]
    [InlineData(OnnxElementType.Int8)]
    [InlineData(OnnxElementType.UInt16)]
    [InlineData(OnnxElementType.Int16)]
    [InlineData(OnnxElementType.Int32)]
    [InlineData(OnnxElementType.Int64)]
    [InlineData(OnnxElementType.String)]
    [InlineData(OnnxElementType.Bool)]
    [InlineData(OnnxElementType.Float16)]
    [InlineData(OnnxElementType.Double)]
    [InlineData(OnnxElementType.UInt32)]
    [InlineData(OnnxElementType.UInt64)]
    [InlineData(OnnxElementType.BFloat16)]
    public void Identity_EveryElementType_ReadsBackWithDatatype(int elementType)
    {
        var info = OnnxModelReader.Read(SampleModels.Identity(elementType, -1, 3));

        var input = info.Inputs.ShouldHaveSingleItem();
        input.ElementType.ShouldBe(elementType);
        input.Datatype.ShouldNotBeNull();
        input.Shape.ShouldBe([-1L, 3L]);
        info.Outputs.ShouldHaveSingleItem().ElementType.ShouldBe(elementType);
    }

    [Fact]
    public void Scale_Factor_IsScalarInitializer()
    {
        var factor = ModelProto.Parser.ParseFrom(SampleModels.Scale(3f)).Graph.Initializer.ShouldHaveSingleItem();

        factor.Dims.ShouldBeEmpty();
        BitConverter.ToSingle(factor.RawData.Span).ShouldBe(3f);
    }
}
