using EdgeAi.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace EdgeAi.Bench.Pipeline;

/// <summary>
/// The benchmark's camera frame: a real photo (skimage's coffee.png, 600 × 400, from scripts/test-images.sh), cropped
/// to 16:9, upscaled to 1920 × 1080 with Lanczos-3 and encoded as a baseline JPEG at quality 90, as a camera would
/// deliver it. An upscaled photo has less fine detail than a native 1080p one, so it encodes smaller and decodes
/// a little faster: the decode figure is a floor for a real camera frame of this size.
/// </summary>
internal static class LargePhoto
{
    public const string Source = "coffee.png";

    public static byte[] Make(int width, int height)
    {
        using var image = Image.Load<Rgb24>(TestImages.Read(Source));
        var cropHeight = (int)Math.Round(image.Width * (double)height / width);
        var top = (image.Height - cropHeight) / 2;
        image.Mutate(x => x.Crop(new Rectangle(0, top, image.Width, cropHeight)).Resize(width, height, KnownResamplers.Lanczos3));
        using var jpeg = new MemoryStream();
        image.SaveAsJpeg(jpeg, new JpegEncoder { Quality = 90 });
        return jpeg.ToArray();
    }
}
