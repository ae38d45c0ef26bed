using EdgeAi.Common.Onnx;
using EdgeAi.Common.Onnx.Proto;

namespace EdgeAi.Common.Tests.Onnx;

public sealed class OnnxModelBuilderTests
{
    [Fact]
    public void ToBytes_NewBuilder_WritesIrVersion8AndDefaultOpset()
    {
        var model = Parse(new OnnxModelBuilder("g", opset: 13).Opset("com.microsoft", 1));

        model.IrVersion.ShouldBe(8);
        model.Graph.Name.ShouldBe("g");
        model.OpsetImport.Select(o => (o.Domain, o.Version)).ShouldBe([("", 13L), ("com.microsoft", 1L)]);
    }

    [Fact]
    public void Opset_DomainAlreadyImported_ReplacesVersion()
    {
        var model = Parse(new OnnxModelBuilder("g").Opset("", 18));

        model.OpsetImport.ShouldHaveSingleItem().Version.ShouldBe(18);
    }

    [Fact]
    public void Input_DynamicDimensions_WritesDefaultDimParams()
    {
        var dims = Parse(new OnnxModelBuilder("g").Input("x", OnnxElementType.Int64, -1, 4, -1))
            .Graph.Input.ShouldHaveSingleItem().Type.TensorType.Shape.Dim;

        dims[0].DimParam.ShouldBe("batch");
        dims[1].DimValue.ShouldBe(4);
        dims[2].DimParam.ShouldBe("d2");
    }

    [Fact]
    public void Output_DimensionNamesGiven_UsesThem()
    {
        var dims = Parse(new OnnxModelBuilder("g").Output("y", OnnxElementType.Float, [-1, -1], ["n", null]))
            .Graph.Output.ShouldHaveSingleItem().Type.TensorType.Shape.Dim;

        dims.Select(d => d.DimParam).ShouldBe(["n", "d1"]);
    }

    [Fact]
    public void Input_DimensionNamesOfWrongLength_Throws()
    {
        Should.Throw<ArgumentException>(() => new OnnxModelBuilder("g").Input("x", OnnxElementType.Float, [-1, 2], ["n"]));
    }

    [Fact]
    public void Initializer_Floats_WritesLittleEndianRawData()
    {
        var tensor = Parse(new OnnxModelBuilder("g").Initializer("w", [1f, -2f], 2, 1)).Graph.Initializer.ShouldHaveSingleItem();

        tensor.Name.ShouldBe("w");
        tensor.DataType.ShouldBe(OnnxElementType.Float);
        tensor.Dims.ShouldBe([2L, 1L]);
        tensor.RawData.ToByteArray().ShouldBe(new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0 });
    }

    [Fact]
    public void Initializer_EachIntegerType_WritesItsElementTypeAndBytes()
    {
        var tensors = Parse(new OnnxModelBuilder("g")
                .Initializer("i8", [(sbyte)-1], 1)
                .Initializer("u8", [(byte)200], 1)
                .Initializer("i32", [0x01020304], 1)
                .Initializer("i64", [-2L]))
            .Graph.Initializer;

        tensors.Select(t => t.DataType).ShouldBe(
            [OnnxElementType.Int8, OnnxElementType.UInt8, OnnxElementType.Int32, OnnxElementType.Int64]);
        tensors[0].RawData.ToByteArray().ShouldBe(new byte[] { 0xFF });
        tensors[1].RawData.ToByteArray().ShouldBe(new byte[] { 200 });
        tensors[2].RawData.ToByteArray().ShouldBe(new byte[] { 4, 3, 2, 1 });
        tensors[3].RawData.ToByteArray().ShouldBe(new byte[] { 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF });
        tensors[3].Dims.ShouldBeEmpty();
    }

    [Fact]
    public void Initializer_DataNotMatchingDims_Throws()
    {
        Should.Throw<ArgumentException>(() => new OnnxModelBuilder("g").Initializer("w", [1f, 2f, 3f], 2, 2))
            .Message.ShouldContain("initializer 'w' has 3 values");
    }

    [Fact]
    public void Node_WithAttributes_WritesEachAttributeType()
    {
        var node = Parse(new OnnxModelBuilder("g").Node(
                "Op",
                ["a", "b"],
                ["c"],
                OnnxAttribute.Int("i", -1),
                OnnxAttribute.Float("f", 0.5f),
                OnnxAttribute.Ints("is", 1, 2),
                OnnxAttribute.String("s", "hé")))
            .Graph.Node.ShouldHaveSingleItem();

        node.OpType.ShouldBe("Op");
        node.Input.ShouldBe(["a", "b"]);
        node.Output.ShouldBe(["c"]);
        node.Attribute.Select(a => (a.Name, a.Type)).ShouldBe(
        [
            ("i", AttributeProto.Types.AttributeType.Int),
            ("f", AttributeProto.Types.AttributeType.Float),
            ("is", AttributeProto.Types.AttributeType.Ints),
            ("s", AttributeProto.Types.AttributeType.String),
        ]);
        node.Attribute[0].I.ShouldBe(-1);
        node.Attribute[1].F.ShouldBe(0.5f);
        node.Attribute[2].Ints.ShouldBe([1L, 2L]);
        node.Attribute[3].S.ToStringUtf8().ShouldBe("hé");
    }

    [Fact]
    public void Save_ThenRead_RoundTripsTheModel()
    {
        var builder = new OnnxModelBuilder("g")
            .Input("x", OnnxElementType.Bool, -1)
            .Output("y", OnnxElementType.Bool, -1)
            .Node("Not", ["x"], ["y"]);
        var path = Path.GetTempFileName();
        try
        {
            builder.Save(path);

            File.ReadAllBytes(path).ShouldBe(builder.ToBytes());
            var info = OnnxModelReader.Read(path);
            info.Inputs.ShouldHaveSingleItem().ElementType.ShouldBe(OnnxElementType.Bool);
            info.Outputs.ShouldHaveSingleItem().DimensionNames.ShouldBe(["batch"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static ModelProto Parse(OnnxModelBuilder builder) => ModelProto.Parser.ParseFrom(builder.ToBytes());
}
