using System.Buffers.Binary;
using EdgeAi.Agent.Pipelines;

namespace EdgeAi.Agent.Tests.Pipelines;

public sealed class PixelNormalizerTests
{
    // Two pixels, RGB interleaved: (10, 20, 30) and (40, 50, 60).
    private static readonly float[] TwoPixels = [10, 20, 30, 40, 50, 60];

    [Fact]
    public void ToTensor_Nchw_WritesOnePlanePerChannel()
    {
        var values = Floats(PixelNormalizer.ToTensor(TwoPixels, 2, 1, new NormalizeOptions()));

        values.ShouldBe([10, 40, 20, 50, 30, 60]);
    }

    [Fact]
    public void ToTensor_Nhwc_KeepsPixelsInterleaved()
    {
        var values = Floats(PixelNormalizer.ToTensor(TwoPixels, 2, 1, new NormalizeOptions { Layout = TensorLayout.Nhwc }));

        values.ShouldBe([10, 20, 30, 40, 50, 60]);
    }

    [Fact]
    public void ToTensor_BgrWithCaffeMeans_SwapsChannelsThenSubtractsPerTensorChannel()
    {
        // ResNet18's convention: BGR, 0..255, minus 103.06 / 115.90 / 123.15 (tensor channel order B, G, R), no std.
        var normalize = new NormalizeOptions { Order = ChannelOrder.Bgr, Mean = [103.06f, 115.90f, 123.15f] };

        var values = Floats(PixelNormalizer.ToTensor(TwoPixels, 2, 1, normalize));

        values.ShouldBe([30 - 103.06f, 60 - 103.06f, 20 - 115.90f, 50 - 115.90f, 10 - 123.15f, 40 - 123.15f], tolerance: 1e-4);
    }

    [Fact]
    public void ToTensor_ScaleMeanStd_AppliesTorchvisionNormalization()
    {
        var normalize = new NormalizeOptions { Scale = 1f / 255, Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f], Layout = TensorLayout.Nhwc };

        var values = Floats(PixelNormalizer.ToTensor(TwoPixels, 2, 1, normalize));

        values[0].ShouldBe((10 / 255f - 0.485f) / 0.229f, tolerance: 1e-5);
        values[4].ShouldBe((50 / 255f - 0.456f) / 0.224f, tolerance: 1e-5);
        values[5].ShouldBe((60 / 255f - 0.406f) / 0.225f, tolerance: 1e-5);
    }

    [Fact]
    public void ToTensor_Fp16_WritesHalfPrecisionLittleEndian()
    {
        var bytes = PixelNormalizer.ToTensor(TwoPixels, 2, 1, new NormalizeOptions { Scale = 1f / 255, Datatype = PixelDatatype.Fp16, Layout = TensorLayout.Nhwc });

        bytes.Length.ShouldBe(12);
        var halves = Enumerable.Range(0, 6).Select(i => BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(i * 2))).ToArray();
        halves.ShouldBe(TwoPixels.Select(p => (Half)(p / 255f)).ToArray());
    }

    [Fact]
    public void ToTensor_UInt8_RoundsResizedPixelsToTheNearestLevel()
    {
        var bytes = PixelNormalizer.ToTensor([10.4f, 10.5f, 254.6f], 1, 1, new NormalizeOptions { Datatype = PixelDatatype.UInt8 });

        bytes.ShouldBe([10, 11, 255]);
    }

    private static float[] Floats(byte[] raw) =>
        [.. Enumerable.Range(0, raw.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(i * 4)))];
}
