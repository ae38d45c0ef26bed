using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;

namespace EdgeAi.Imaging;

/// <summary>An image as 8-bit RGB pixels, row by row, three bytes a pixel.</summary>
public sealed record RgbImage(int Width, int Height, byte[] Pixels);

/// <summary>
/// Decodes JPEG and PNG with SixLabors.ImageSharp 2.1 (managed, bounds-checked; see README "Pipelines" for why
/// this decoder). Only its JPEG and PNG codecs are registered, so no other format's decoder ever sees caller
/// bytes. Before decoding: the signature, the header's size against <see cref="ImageLimits.MaxPixels"/> (so
/// nothing is allocated for a decompression bomb), and the file's structure (<see cref="ImageHeader"/>).
/// Every refusal is an <see cref="ImageRejectedException"/>.
/// </summary>
public static class ImageDecoder
{
    private static readonly Configuration Codecs = CreateCodecs();

    private static Configuration CreateCodecs()
    {
        // Pools buffers for a few images at a time, not ImageSharp's default of a share of all memory.
        var codecs = new Configuration(new JpegConfigurationModule(), new PngConfigurationModule())
        {
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { MaximumPoolSizeMegabytes = 64 }),
        };
        // Pixels only: EXIF, ICC, IPTC, XMP and text chunks are never parsed (the model gets none of them), so a
        // crafted profile meets no parser and costs no time.
        codecs.ImageFormatsManager.SetDecoder(JpegFormat.Instance, new JpegDecoder { IgnoreMetadata = true });
        codecs.ImageFormatsManager.SetDecoder(PngFormat.Instance, new PngDecoder { IgnoreMetadata = true });
        return codecs;
    }

    public static RgbImage Decode(ReadOnlySpan<byte> encoded, long maxPixels)
    {
        var header = ImageHeader.Read(encoded);
        if (header.Pixels > maxPixels)
        {
            throw new ImageRejectedException(
                ImageRejection.TooLarge,
                $"{header.Format.ToString().ToUpperInvariant()} is {header.Size} ({header.Pixels:N0} pixels), over the limit of {maxPixels:N0} pixels (Limits:MaxPixels); it was not decoded");
        }
        if (header.Damage is { } damage)
        {
            throw new ImageRejectedException(ImageRejection.Invalid, damage);
        }
        Image<Rgb24> image;
        try
        {
            image = Image.Load<Rgb24>(Codecs, encoded);
        }
        catch (Exception e) when (e is ImageFormatException or NotSupportedException or InvalidMemoryOperationException)
        {
            throw new ImageRejectedException(ImageRejection.Invalid, $"{header.Format.ToString().ToUpperInvariant()} cannot be decoded: {e.Message}");
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentException or InvalidOperationException or OverflowException)
        {
            // A decoder bug met by crafted data is still about the caller's bytes, not a server fault.
            throw new ImageRejectedException(ImageRejection.Invalid, $"{header.Format.ToString().ToUpperInvariant()} cannot be decoded ({e.GetType().Name}): {e.Message}");
        }
        using (image)
        {
            if (image.Width != header.Width || image.Height != header.Height)
            {
                throw new ImageRejectedException(
                    ImageRejection.Invalid, $"{header.Format.ToString().ToUpperInvariant()} header says {header.Size} but it decodes to {image.Width} × {image.Height}");
            }
            var pixels = new byte[image.Width * image.Height * 3];
            image.CopyPixelDataTo(pixels);
            return new RgbImage(image.Width, image.Height, pixels);
        }
    }
}
