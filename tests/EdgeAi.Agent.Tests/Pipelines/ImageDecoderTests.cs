using EdgeAi.Agent.Pipelines;
using EdgeAi.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace EdgeAi.Agent.Tests.Pipelines;

public sealed class ImageDecoderTests
{
    private static readonly RgbImage Gradient = TestPictures.Rgb(5, 3, (x, y) => ((byte)(x * 50), (byte)(y * 100), (byte)(255 - x * 10 - y)));

    [Fact]
    public void Decode_HandWrittenPng_GivesItsExactPixels()
    {
        var decoded = ImageDecoder.Decode(TestPictures.Png(Gradient), ImageLimits.DefaultMaxPixels);

        decoded.Width.ShouldBe(5);
        decoded.Height.ShouldBe(3);
        decoded.Pixels.ShouldBe(Gradient.Pixels);
    }

    [Fact]
    public void Decode_Jpeg_GivesItsSizeAndPixelsNearTheOriginal()
    {
        var flat = TestPictures.Rgb(16, 16, (_, _) => (200, 40, 90));
        var jpeg = Jpeg(flat, quality: 95);

        var decoded = ImageDecoder.Decode(jpeg, ImageLimits.DefaultMaxPixels);

        (decoded.Width, decoded.Height).ShouldBe((16, 16));
        // JPEG is lossy: a flat colour comes back within a few levels.
        decoded.Pixels.Select((p, i) => Math.Abs(p - flat.Pixels[i])).Max().ShouldBeLessThanOrEqualTo(4);
    }

    [Fact]
    public void Decode_BombHeader_IsRefusedAsTooLargeBeforeDecoding()
    {
        var error = Should.Throw<ImageRejectedException>(() => ImageDecoder.Decode(TestPictures.PngHeaderOnly(30_000, 30_000), ImageLimits.DefaultMaxPixels));

        error.Reason.ShouldBe(ImageRejection.TooLarge);
        error.Message.ShouldContain("30000 × 30000");
        error.Message.ShouldContain("900,000,000 pixels");
        error.Message.ShouldContain("Limits:MaxPixels");
    }

    [Fact]
    public void Decode_PngCutShort_IsRefusedAsTruncated()
    {
        var png = TestPictures.Png(Gradient);

        var error = Should.Throw<ImageRejectedException>(() => ImageDecoder.Decode(png.AsSpan(0, png.Length - 20), ImageLimits.DefaultMaxPixels));

        error.Reason.ShouldBe(ImageRejection.Invalid);
        error.Message.ShouldContain("PNG is truncated");
    }

    [Fact]
    public void Decode_JpegCutInsideItsImageData_IsRefusedAsTruncated()
    {
        var jpeg = Jpeg(TestPictures.Rgb(64, 64, (x, y) => ((byte)(x * 4), (byte)(y * 4), 7)), quality: 90);

        var error = Should.Throw<ImageRejectedException>(() => ImageDecoder.Decode(jpeg.AsSpan(0, jpeg.Length * 3 / 4), ImageLimits.DefaultMaxPixels));

        error.Message.ShouldContain("JPEG is truncated");
        error.Message.ShouldContain("end-of-image marker");
    }

    [Theory]
    [InlineData("GIF89a\x01\x00\x01\x00", "GIF")]
    [InlineData("BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00", "BMP")]
    [InlineData("RIFF\x10\x00\x00\x00WEBPVP8 ", "WebP")]
    [InlineData("II*\x00\x08\x00\x00\x00", "TIFF")]
    public void Decode_OtherFormat_IsRefusedNamingIt(string start, string format)
    {
        var bytes = start.Select(c => (byte)c).ToArray();

        var error = Should.Throw<ImageRejectedException>(() => ImageDecoder.Decode(bytes, ImageLimits.DefaultMaxPixels));

        error.Reason.ShouldBe(ImageRejection.Invalid);
        error.Message.ShouldBe($"{format} images are not supported; send JPEG or PNG");
    }

    [Fact]
    public void Decode_NotAnImage_NamesItsFirstBytes()
    {
        var error = Should.Throw<ImageRejectedException>(() => ImageDecoder.Decode("hello, world"u8, ImageLimits.DefaultMaxPixels));

        error.Message.ShouldStartWith("not an image: 12 bytes starting 0x68656C6C6F2C2077");
    }

    private static byte[] Jpeg(RgbImage image, int quality)
    {
        using var picture = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        using var jpeg = new MemoryStream();
        picture.SaveAsJpeg(jpeg, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = quality });
        return jpeg.ToArray();
    }
}
