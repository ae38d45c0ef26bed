using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Onnx.Proto;
using Google.Protobuf;

namespace EdgeAi.Common.Tests.Onnx;

public sealed class OnnxModelReaderTests
{
    [Fact]
    public void Read_Classifier_ReportsInterfaceOpsetAndSize()
    {
        var bytes = SampleModels.Classifier(features: 5, classes: 2);

        var info = OnnxModelReader.Read(bytes);

        info.IrVersion.ShouldBe(8);
        info.Opsets.ShouldBe(new Dictionary<string, long> { [""] = 17 });
        info.ProducerName.ShouldBe("EdgeAi");
        info.SizeBytes.ShouldBe(bytes.Length);
        info.HasExternalData.ShouldBeFalse();
        var input = info.Inputs.ShouldHaveSingleItem();
        input.Name.ShouldBe("input");
        input.ElementType.ShouldBe(OnnxElementType.Float);
        input.Datatype.ShouldBe(TensorDatatype.Fp32);
        input.DatatypeName.ShouldBe("FP32");
        input.Shape.ShouldBe([-1L, 5L]);
        input.DimensionNames.ShouldBe(["batch", null]);
        var output = info.Outputs.ShouldHaveSingleItem();
        output.Name.ShouldBe("probabilities");
        output.Shape.ShouldBe([-1L, 2L]);
    }

    [Fact]
    public void Read_GivenSizeBytes_ReportsIt()
    {
        OnnxModelReader.Read(SampleModels.AddTwo(), sizeBytes: 12345).SizeBytes.ShouldBe(12345);
    }

    [Fact]
    public void Read_AllDimensionsDynamic_ReportsMinusOneWithNames()
    {
        var input = OnnxModelReader.Read(SampleModels.Scale()).Inputs.ShouldHaveSingleItem();

        input.Shape.ShouldBe([-1L, -1L]);
        input.DimensionNames.ShouldBe(["batch", "d1"]);
        input.IsRankKnown.ShouldBeTrue();
    }

    [Fact]
    public void Read_TwoInputs_KeepsGraphOrder()
    {
        var info = OnnxModelReader.Read(SampleModels.AddTwo());

        info.Inputs.Select(i => i.Name).ShouldBe(["a", "b"]);
        info.Outputs.ShouldHaveSingleItem().Name.ShouldBe("sum");
    }

    [Fact]
    public void Read_WeightListedAsInput_LeavesItOut()
    {
        // Old exporters (IR < 4) list every initializer among the graph inputs.
        var bytes = new OnnxModelBuilder("old")
            .Input("x", OnnxElementType.Float, 1, 2)
            .Input("w", OnnxElementType.Float, 2, 2)
            .Output("y", OnnxElementType.Float, 1, 2)
            .Initializer("w", [1f, 0f, 0f, 1f], 2, 2)
            .Node("MatMul", ["x", "w"], ["y"])
            .ToBytes();

        OnnxModelReader.Read(bytes).Inputs.ShouldHaveSingleItem().Name.ShouldBe("x");
    }

    [Fact]
    public void Read_AiOnnxDomainSpelledOut_ReportsItAsDefaultDomain()
    {
        var model = Model();
        model.OpsetImport[0].Domain = "ai.onnx";
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.microsoft", Version = 1 });

        OnnxModelReader.Read(model.ToByteArray()).Opsets.ShouldBe(new Dictionary<string, long> { [""] = 17, ["com.microsoft"] = 1 });
    }

    [Fact]
    public void Read_InitializerInExternalFile_ReportsExternalData()
    {
        var model = Model();
        model.Graph.Initializer.Add(new TensorProto { Name = "w", DataLocation = TensorProto.Types.DataLocation.External });

        OnnxModelReader.Read(model.ToByteArray()).HasExternalData.ShouldBeTrue();
    }

    [Fact]
    public void Read_InputWithoutShape_ReportsUnknownRank()
    {
        var model = Model();
        model.Graph.Input[0].Type.TensorType.Shape = null;

        var input = OnnxModelReader.Read(model.ToByteArray()).Inputs.ShouldHaveSingleItem();

        input.IsRankKnown.ShouldBeFalse();
        input.Shape.ShouldBeEmpty();
    }

    [Fact]
    public void Read_UnmappableElementType_HasNoDatatype()
    {
        var model = Model();
        model.Graph.Input[0].Type.TensorType.ElemType = (int)TensorProto.Types.DataType.Complex64;

        var input = OnnxModelReader.Read(model.ToByteArray()).Inputs.ShouldHaveSingleItem();

        input.ElementType.ShouldBe(14);
        input.Datatype.ShouldBeNull();
        input.DatatypeName.ShouldBeNull();
    }

    [Fact]
    public void Read_File_ReportsFileSize()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, SampleModels.Classifier());

            OnnxModelReader.Read(path).SizeBytes.ShouldBe(new FileInfo(path).Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // A minimal valid model (x -> Identity -> y) for tests that then break one thing about it.
    internal static ModelProto Model() =>
        ModelProto.Parser.ParseFrom(SampleModels.Identity(OnnxElementType.Float, -1, 3));
}
