using EdgeAi.Common.Onnx;
using EdgeAi.Common.Onnx.Proto;
using Google.Protobuf;

namespace EdgeAi.Common.Tests.Onnx;

public sealed class OnnxModelReaderInvalidTests
{
    [Fact]
    public void Read_EmptyData_ThrowsNotAnOnnxModel()
    {
        Should.Throw<InvalidOnnxModelException>(() => OnnxModelReader.Read([]))
            .Message.ShouldStartWith("not an ONNX model");
    }

    [Fact]
    public void Read_InvalidProtobuf_ThrowsWithProtobufError()
    {
        Should.Throw<InvalidOnnxModelException>(() => OnnxModelReader.Read([1, 2, 3, 4]))
            .Message.ShouldStartWith("not an ONNX model: Protocol message");
    }

    [Fact]
    public void Read_PseudoRandomBytes_AlwaysThrows()
    {
        // Random bytes often parse as protobuf; the reader must still refuse them.
        for (uint seed = 1; seed <= 200; seed++)
        {
            var data = new byte[16 + (seed * 7 % 500)];
            var state = seed;
            for (var i = 0; i < data.Length; i++)
            {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                data[i] = (byte)state;
            }

            Should.Throw<InvalidOnnxModelException>(() => OnnxModelReader.Read(data));
        }
    }

    [Fact]
    public void Read_EveryTruncation_Throws()
    {
        var bytes = SampleModels.ClassifierInt8Qdq();

        for (var length = 0; length < bytes.Length; length++)
        {
            Should.Throw<InvalidOnnxModelException>(() => OnnxModelReader.Read(bytes.AsSpan(0, length)));
        }
    }

    [Fact]
    public void Read_MissingFile_ThrowsNotFound()
    {
        var path = Path.Combine(Path.GetTempPath(), $"{Guid.NewGuid():N}.onnx");

        Should.Throw<InvalidOnnxModelException>(() => OnnxModelReader.Read(path))
            .Message.ShouldBe($"model file not found: {path}");
    }

    [Fact]
    public void Read_EmptyFile_ThrowsEmpty()
    {
        var path = Path.GetTempFileName();
        try
        {
            Should.Throw<InvalidOnnxModelException>(() => OnnxModelReader.Read(path))
                .Message.ShouldContain("the file is empty");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_TruncatedFile_ThrowsNotAnOnnxModel()
    {
        var path = Path.GetTempFileName();
        try
        {
            var bytes = SampleModels.Classifier();
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

            Should.Throw<InvalidOnnxModelException>(() => OnnxModelReader.Read(path))
                .Message.ShouldStartWith("not an ONNX model: ");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("ir_version", "not an ONNX model: ir_version is missing")]
    [InlineData("opset_import", "not an ONNX model: it imports no operator set (opset_import is empty)")]
    [InlineData("graph", "model has no graph")]
    [InlineData("output", "model has no outputs")]
    [InlineData("input", "model has no inputs")]
    [InlineData("input_type", "input 'input' has no type")]
    [InlineData("input_elem_type", "input 'input' has no element type")]
    public void Read_RequiredPartMissing_ThrowsSayingWhich(string part, string message)
    {
        var model = OnnxModelReaderTests.Model();
        switch (part)
        {
            case "ir_version": model.IrVersion = 0; break;
            case "opset_import": model.OpsetImport.Clear(); break;
            case "graph": model.Graph = null; break;
            case "output": model.Graph.Output.Clear(); break;
            case "input": model.Graph.Input.Clear(); break;
            case "input_type": model.Graph.Input[0].Type = null; break;
            case "input_elem_type": model.Graph.Input[0].Type.TensorType.ElemType = 0; break;
        }

        Should.Throw<InvalidOnnxModelException>(() => OnnxModelReader.Read(model.ToByteArray())).Message.ShouldBe(message);
    }

    [Fact]
    public void Read_SequenceInput_ThrowsNotATensor()
    {
        var model = OnnxModelReaderTests.Model();
        model.Graph.Input[0].Type = new TypeProto { SequenceType = new TypeProto.Types.Sequence() };

        Should.Throw<InvalidOnnxModelException>(() => OnnxModelReader.Read(model.ToByteArray()))
            .Message.ShouldBe("input 'input' is a sequence, not a tensor; only tensors are supported");
    }

    [Fact]
    public void Read_SequenceOutput_ThrowsWithZipMapHint()
    {
        var model = OnnxModelReaderTests.Model();
        model.Graph.Output[0].Type = new TypeProto { SequenceType = new TypeProto.Types.Sequence() };

        Should.Throw<InvalidOnnxModelException>(() => OnnxModelReader.Read(model.ToByteArray()))
            .Message.ShouldContain("zipmap");
    }

    [Fact]
    public void Read_UntypedOutput_IsAcceptedWithUnknownType()
    {
        // ONNX Runtime infers output types the file leaves out.
        var model = OnnxModelReaderTests.Model();
        model.Graph.Output[0].Type = null;

        var output = OnnxModelReader.Read(model.ToByteArray()).Outputs.ShouldHaveSingleItem();

        output.ElementType.ShouldBe(0);
        output.IsRankKnown.ShouldBeFalse();
    }
}
