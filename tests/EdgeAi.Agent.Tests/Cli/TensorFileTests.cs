using System.Buffers.Binary;
using System.Text;
using EdgeAi.Agent.Cli;
using EdgeAi.Common.Inference;

namespace EdgeAi.Agent.Tests.Cli;

public sealed class TensorFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-agent-test-").FullName;

    [Fact]
    public void Read_NpyFloat32_ReadsDtypeShapeAndData()
    {
        var data = RawTensor.FromDoubles(TensorDatatype.Fp32, [1, 2, 3, 4, 5, 6]);
        var path = WriteNpy("x.npy", "<f4", "(2, 3)", data);

        var tensor = TensorFile.Read(path, TensorDatatype.Fp32, null);

        tensor.Datatype.ShouldBe(TensorDatatype.Fp32);
        tensor.Shape.ShouldBe([2L, 3L]);
        tensor.Raw.ShouldBe(data);
    }

    [Fact]
    public void Read_NpyBigEndian_IsRefusedClearly()
    {
        var path = WriteNpy("x.npy", ">f4", "(1,)", new byte[4]);

        Should.Throw<FormatException>(() => TensorFile.Read(path, TensorDatatype.Fp32, null)).Message.ShouldContain("'>f4' is not supported");
    }

    [Fact]
    public void Read_NpyTruncated_SaysHowManyBytes()
    {
        var path = WriteNpy("x.npy", "<f4", "(2, 2)", new byte[12]);

        Should.Throw<FormatException>(() => TensorFile.Read(path, TensorDatatype.Fp32, null)).Message.ShouldContain("12 data bytes, shape [2,2] needs 16");
    }

    [Fact]
    public void Read_JsonNestedArray_InfersShapeAndUsesModelDatatype()
    {
        var path = Write("x.json", "[[1, 2], [3, 4], [5, 6]]");

        var tensor = TensorFile.Read(path, TensorDatatype.Int64, null);

        tensor.Shape.ShouldBe([3L, 2L]);
        RawTensor.ToDoubles(TensorDatatype.Int64, tensor.Raw).ShouldBe([1, 2, 3, 4, 5, 6]);
    }

    [Fact]
    public void Read_JsonObjectWithShape_UsesIt()
    {
        var path = Write("x.json", """{"shape": [1, 4], "data": [0.5, 1, 1.5, 2]}""");

        var tensor = TensorFile.Read(path, TensorDatatype.Fp32, null);

        tensor.Shape.ShouldBe([1L, 4L]);
        RawTensor.ToDoubles(TensorDatatype.Fp32, tensor.Raw).ShouldBe([0.5, 1, 1.5, 2]);
    }

    [Fact]
    public void Read_RawWithoutShape_AsksForShape()
    {
        var path = Path.Combine(_dir, "x.bin");
        File.WriteAllBytes(path, new byte[16]);

        Should.Throw<FormatException>(() => TensorFile.Read(path, TensorDatatype.Fp32, null)).Message.ShouldContain("give --shape");
        TensorFile.Read(path, TensorDatatype.Fp32, [1, 4]).Shape.ShouldBe([1L, 4L]);
        Should.Throw<FormatException>(() => TensorFile.Read(path, TensorDatatype.Fp32, [1, 5])).Message.ShouldContain("16 bytes, shape [1,5] of FP32 needs 20");
    }

    [Fact]
    public void Format_ScoreVector_ShowsTopClasses()
    {
        var raw = RawTensor.FromDoubles(TensorDatatype.Fp32, [.. Enumerable.Range(0, 20).Select(i => i == 13 ? 0.9 : 0.001)]);

        var text = TensorPrinter.Format("scores", "FP32", [1, 20], raw);

        text.ShouldStartWith("scores FP32 [1,20]: 20 values");
        text.ShouldContain("top-5: #13=0.9");
    }

    [Fact]
    public void Format_SmallTensor_PrintsAllValues()
    {
        TensorPrinter.Format("y", "INT32", [3], RawTensor.FromDoubles(TensorDatatype.Int32, [1, -2, 3])).ShouldBe("y INT32 [3]: 1, -2, 3");
        TensorPrinter.Format("s", "BYTES", [2], RawTensor.FromStrings(["a", "b"])).ShouldBe("s BYTES [2]: \"a\", \"b\"");
    }

    private string WriteNpy(string name, string descr, string shape, byte[] data)
    {
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        header = header.PadRight(((10 + header.Length + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.AddRange([1, 0]);
        var length = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        bytes.AddRange(length);
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(data);
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, [.. bytes]);
        return path;
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
