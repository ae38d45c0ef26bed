using EdgeAi.Common.Onnx;
using EdgeAi.Quantization.Inputs;

namespace EdgeAi.Quantization.Tests.Inputs;

public sealed class NpyHeaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(byte[] bytes, string name = "x.npy")
    {
        var path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Read_EachFormatVersion_GivesShapeTypeAndData(int major)
    {
        var path = Write(NpyWriter.Bytes(NpyWriter.Header("<f4", 2, 3), NpyWriter.Floats(0, 1, 2, 3, 4, 5), major));

        var header = NpyHeader.Read(path);

        header.ElementType.ShouldBe(OnnxElementType.Float);
        header.Shape.ShouldBe([2L, 3L]);
        NpyWriter.ToFloats(header.ReadData(12, 8)).ShouldBe([3f, 4f]);
    }

    [Theory]
    [InlineData("<f4", OnnxElementType.Float, 4)]
    [InlineData("<f2", OnnxElementType.Float16, 2)]
    [InlineData("<f8", OnnxElementType.Double, 8)]
    [InlineData("<i8", OnnxElementType.Int64, 8)]
    [InlineData("<i4", OnnxElementType.Int32, 4)]
    [InlineData("|u1", OnnxElementType.UInt8, 1)]
    [InlineData("|i1", OnnxElementType.Int8, 1)]
    [InlineData("|b1", OnnxElementType.Bool, 1)]
    public void Read_LittleEndianDtype_MapsToTheOnnxElementType(string descr, int elementType, int size)
    {
        var path = Write(NpyWriter.Bytes(NpyWriter.Header(descr, 3), new byte[3 * size]));

        var header = NpyHeader.Read(path);

        header.ElementType.ShouldBe(elementType);
        header.ElementSize.ShouldBe(size);
    }

    [Fact]
    public void Read_ScalarAndOneDimensionalShapes_AreParsed()
    {
        NpyHeader.Read(Write(NpyWriter.Bytes(NpyWriter.Header("<f4"), new byte[4]), "s.npy")).Shape.ShouldBeEmpty();
        NpyHeader.Read(Write(NpyWriter.Bytes(NpyWriter.Header("<f4", 5), new byte[20]), "v.npy")).Shape.ShouldBe([5L]);
    }

    [Theory]
    [InlineData(">f4", "big-endian")]
    [InlineData("|O", "object array")]
    [InlineData("<c8", "dtype '<c8' is not supported")]
    public void Read_UnsupportedDtype_NamesFileAndDtype(string descr, string expected)
    {
        var path = Write(NpyWriter.Bytes(NpyWriter.Header(descr, 2), new byte[16]));

        var error = Should.Throw<QuantizationException>(() => NpyHeader.Read(path));

        error.Message.ShouldStartWith(path);
        error.Message.ShouldContain(expected);
    }

    [Fact]
    public void Read_FortranOrder_IsRefusedWithTheFix()
    {
        var path = Write(NpyWriter.Bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new byte[16]));

        Should.Throw<QuantizationException>(() => NpyHeader.Read(path)).Message.ShouldContain("Fortran order");
    }

    [Fact]
    public void Read_StructuredArray_IsRefused()
    {
        var path = Write(NpyWriter.Bytes("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }", new byte[16]));

        Should.Throw<QuantizationException>(() => NpyHeader.Read(path)).Message.ShouldContain("structured array");
    }

    [Fact]
    public void Read_DataShorterThanTheShape_IsTruncated()
    {
        var path = Write(NpyWriter.Bytes(NpyWriter.Header("<f4", 1, 4), NpyWriter.Floats(1, 2, 3)));

        var error = Should.Throw<QuantizationException>(() => NpyHeader.Read(path));

        error.Message.ShouldBe($"{path}: truncated: shape (1, 4) of '<f4' needs 16 data bytes, the file holds 12");
    }

    [Fact]
    public void Read_MoreDataThanTheHeaderSays_IsRefused()
    {
        var path = Write(NpyWriter.Bytes(NpyWriter.Header("<f4", 1, 2), NpyWriter.Floats(1, 2, 3)));

        Should.Throw<QuantizationException>(() => NpyHeader.Read(path)).Message.ShouldContain("but 12 data bytes follow it");
    }

    [Fact]
    public void Read_HeaderLengthPastTheEnd_IsTruncated()
    {
        var bytes = NpyWriter.Bytes(NpyWriter.Header("<f4", 1), new byte[4]);
        var path = Write(bytes[..20]);

        Should.Throw<QuantizationException>(() => NpyHeader.Read(path)).Message.ShouldContain("truncated: the .npy header claims");
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'shape': (2,), }", "no fortran_order")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unknown key 'extra'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", "non-negative integers")]
    [InlineData("not a dict", "'{' expected")]
    public void Read_HeaderThatIsNoNpyDict_IsUnreadable(string header, string expected)
    {
        var path = Write(NpyWriter.Bytes(header, new byte[8]));

        var error = Should.Throw<QuantizationException>(() => NpyHeader.Read(path));

        error.Message.ShouldContain("unreadable .npy header");
        error.Message.ShouldContain(expected);
    }

    [Fact]
    public void Read_NoMagic_SaysItIsNoNpyFile()
    {
        var path = Write("just some text in a file"u8.ToArray());

        Should.Throw<QuantizationException>(() => NpyHeader.Read(path)).Message.ShouldContain("not a NumPy .npy file");
    }

    [Fact]
    public void Read_UnknownFormatVersion_IsRefused()
    {
        var bytes = NpyWriter.Bytes(NpyWriter.Header("<f4", 1), new byte[4]);
        bytes[6] = 4;

        Should.Throw<QuantizationException>(() => NpyHeader.Read(Write(bytes))).Message.ShouldContain("format version 4.0 is not supported");
    }
}
