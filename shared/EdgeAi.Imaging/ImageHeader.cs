using System.Buffers.Binary;

namespace EdgeAi.Imaging;

/// <summary>The encoded formats the decoder reads.</summary>
public enum ImageFormat
{
    Jpeg,
    Png,
}

/// <summary>Why an image was refused: its bytes are no usable JPEG or PNG, or it is larger than the caller allows.</summary>
public enum ImageRejection
{
    /// <summary>Not a JPEG or PNG, damaged, truncated or undecodable (a server answers INVALID_ARGUMENT).</summary>
    Invalid,

    /// <summary>More pixels than the limit (a server answers RESOURCE_EXHAUSTED).</summary>
    TooLarge,
}

/// <summary>An image refused before or while decoding: why (<see cref="Reason"/>) and a message naming what was found.</summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException(ImageRejection reason, string message)
        : base(message) => Reason = reason;

    public ImageRejectedException()
        : this(ImageRejection.Invalid, "the image was refused")
    {
    }

    public ImageRejectedException(string message)
        : this(ImageRejection.Invalid, message)
    {
    }

    public ImageRejectedException(string message, Exception innerException)
        : base(message, innerException) => Reason = ImageRejection.Invalid;

    public ImageRejection Reason { get; }
}

/// <summary>
/// What an encoded image's own structure says, read without decoding it: the format from its signature, the
/// size from its header (PNG IHDR, JPEG SOF), and whether the file is whole (every PNG chunk inside the data and
/// an IEND; every JPEG segment inside the data and an end-of-image marker after the last scan). Reading the size
/// first is what lets a 30,000 × 30,000 image be refused before a pixel buffer exists; checking the structure is
/// what catches a file cut short, which decoders tend to fill in with grey rather than refuse.
/// </summary>
public readonly record struct ImageHeader(ImageFormat Format, long Width, long Height, string? Damage)
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public long Pixels => Width * Height;

    public string Size => $"{Width} × {Height}";

    /// <summary>The format and size; throws <see cref="ImageRejectedException"/> for data that is no JPEG or PNG, or whose header is unreadable.</summary>
    public static ImageHeader Read(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(PngSignature))
        {
            return ReadPng(data);
        }
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        {
            return ReadJpeg(data);
        }
        if (OtherFormat(data) is { } other)
        {
            throw new ImageRejectedException(ImageRejection.Invalid, $"{other} images are not supported; send JPEG or PNG");
        }
        var start = Convert.ToHexString(data[..Math.Min(8, data.Length)]);
        throw new ImageRejectedException(
            ImageRejection.Invalid,
            $"not an image: {data.Length} bytes starting 0x{start}, which is neither JPEG (FF D8 FF) nor PNG (89 50 4E 47 0D 0A 1A 0A)");
    }

    /// <summary>Formats recognised by their signature only, to say which one was sent.</summary>
    private static string? OtherFormat(ReadOnlySpan<byte> d)
    {
        static bool At(ReadOnlySpan<byte> d, int offset, string ascii)
        {
            if (d.Length < offset + ascii.Length)
            {
                return false;
            }
            for (var i = 0; i < ascii.Length; i++)
            {
                if (d[offset + i] != ascii[i])
                {
                    return false;
                }
            }
            return true;
        }

        if (At(d, 0, "GIF87a") || At(d, 0, "GIF89a"))
        {
            return "GIF";
        }
        if (At(d, 0, "BM") && d.Length >= 14)
        {
            return "BMP";
        }
        if (At(d, 0, "RIFF") && At(d, 8, "WEBP"))
        {
            return "WebP";
        }
        if (At(d, 0, "II*\0") || At(d, 0, "MM\0*"))
        {
            return "TIFF";
        }
        if (At(d, 4, "ftypavif") || At(d, 4, "ftypavis"))
        {
            return "AVIF";
        }
        if (At(d, 4, "ftypheic") || At(d, 4, "ftypheix") || At(d, 4, "ftypmif1") || At(d, 4, "ftyphevc"))
        {
            return "HEIF";
        }
        if (At(d, 0, "\0\0\0\u000CjP  "))
        {
            return "JPEG 2000";
        }
        if (At(d, 0, "\0\0\0\u000CJXL ") || (d.Length >= 2 && d[0] == 0xFF && d[1] == 0x0A))
        {
            return "JPEG XL";
        }
        if (At(d, 0, "qoif"))
        {
            return "QOI";
        }
        if (At(d, 0, "8BPS"))
        {
            return "PSD";
        }
        return null;
    }

    private static ImageHeader ReadPng(ReadOnlySpan<byte> data)
    {
        // Signature, then IHDR first: length 13, type, width, height, bit depth, colour type, ...
        if (data.Length < 8 + 8 + 13 || !data.Slice(12, 4).SequenceEqual("IHDR"u8) || BinaryPrimitives.ReadUInt32BigEndian(data[8..]) != 13)
        {
            throw new ImageRejectedException(ImageRejection.Invalid, "PNG header is unreadable: the file must start with an IHDR chunk of 13 bytes");
        }
        long width = BinaryPrimitives.ReadUInt32BigEndian(data[16..]);
        long height = BinaryPrimitives.ReadUInt32BigEndian(data[20..]);
        if (width == 0 || height == 0)
        {
            throw new ImageRejectedException(ImageRejection.Invalid, $"PNG header says the image is {width} × {height}; both sides must be at least 1");
        }
        return new ImageHeader(ImageFormat.Png, width, height, PngDamage(data));
    }

    /// <summary>Walks the chunks (length, type, data, CRC): null when every one fits and IEND is there.</summary>
    private static string? PngDamage(ReadOnlySpan<byte> data)
    {
        var offset = 8;
        while (offset < data.Length)
        {
            if (data.Length - offset < 12)
            {
                return $"PNG is truncated: {data.Length - offset} bytes at offset {offset} are too few for a chunk (12 at least), and no IEND chunk came";
            }
            var length = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
            var type = System.Text.Encoding.ASCII.GetString(data.Slice(offset + 4, 4));
            if (length > (ulong)(data.Length - offset - 12))
            {
                return $"PNG is truncated: chunk '{type}' at offset {offset} declares {length} bytes, only {data.Length - offset - 12} follow";
            }
            if (type == "IEND")
            {
                return null;
            }
            offset += 12 + (int)length;
        }
        return $"PNG is truncated: the data ends after {data.Length} bytes without an IEND chunk";
    }

    private static ImageHeader ReadJpeg(ReadOnlySpan<byte> data)
    {
        long width = 0, height = 0;
        var offset = 2;
        var scans = 0;
        while (true)
        {
            // A marker: one or more 0xFF fill bytes, then its code.
            if (offset >= data.Length || data[offset] != 0xFF)
            {
                return Jpeg(offset >= data.Length
                    ? $"JPEG is truncated: the data ends after {data.Length} bytes, {(scans == 0 ? "before any image data" : "without an end-of-image marker (FF D9)")}"
                    : $"JPEG is damaged: byte {offset} is 0x{data[offset]:X2} where a marker (0xFF) must be");
            }
            while (offset < data.Length && data[offset] == 0xFF)
            {
                offset++;
            }
            if (offset >= data.Length)
            {
                return Jpeg($"JPEG is truncated: the data ends after {data.Length} bytes inside a marker");
            }
            var marker = data[offset++];
            if (marker == 0xD9)
            {
                return Jpeg(scans == 0 ? "JPEG holds no image data: its end-of-image marker (FF D9) comes before any scan" : null);
            }
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                continue; // standalone markers carry no length
            }
            if (data.Length - offset < 2)
            {
                return Jpeg($"JPEG is truncated: the data ends after {data.Length} bytes inside the header of segment FF {marker:X2}");
            }
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
            if (length < 2 || length > data.Length - offset)
            {
                return Jpeg(length < 2
                    ? $"JPEG is damaged: segment FF {marker:X2} at byte {offset - 2} declares a length of {length}"
                    : $"JPEG is truncated: segment FF {marker:X2} at byte {offset - 2} declares {length} bytes, only {data.Length - offset} follow");
            }
            if (IsStartOfFrame(marker) && width == 0)
            {
                if (length < 8)
                {
                    return Jpeg($"JPEG is damaged: its frame header (FF {marker:X2}) is {length} bytes, 8 at least");
                }
                height = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 3)..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 5)..]);
                if (width == 0 || height == 0)
                {
                    throw new ImageRejectedException(ImageRejection.Invalid, $"JPEG frame header says the image is {width} × {height}; both sides must be at least 1");
                }
            }
            offset += length;
            if (marker == 0xDA)
            {
                if (width == 0)
                {
                    return Jpeg("JPEG is damaged: image data (a scan, FF DA) comes before the frame header that gives its size");
                }
                scans++;
                offset = SkipEntropyData(data, offset);
            }
        }

        ImageHeader Jpeg(string? damage) => width > 0
            ? new ImageHeader(ImageFormat.Jpeg, width, height, damage)
            : throw new ImageRejectedException(ImageRejection.Invalid, damage ?? "JPEG has no frame header (SOF), so its size is unknown");
    }

    /// <summary>The offset of the marker that ends a scan's entropy-coded data (0xFF 0x00 is a stuffed byte, 0xFF D0–D7 a restart).</summary>
    private static int SkipEntropyData(ReadOnlySpan<byte> data, int offset)
    {
        while (true)
        {
            var next = data[offset..].IndexOf((byte)0xFF);
            if (next < 0)
            {
                return data.Length;
            }
            offset += next;
            if (offset + 1 >= data.Length)
            {
                return data.Length;
            }
            var code = data[offset + 1];
            if (code == 0x00 || code is >= 0xD0 and <= 0xD7 || code == 0xFF && FillThenRestartOrStuffed(data, offset))
            {
                offset += 2;
                continue;
            }
            return offset;
        }
    }

    private static bool FillThenRestartOrStuffed(ReadOnlySpan<byte> data, int offset)
    {
        var i = offset;
        while (i < data.Length && data[i] == 0xFF)
        {
            i++;
        }
        return i < data.Length && (data[i] == 0x00 || data[i] is >= 0xD0 and <= 0xD7);
    }

    // SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC).
    private static bool IsStartOfFrame(byte marker) => marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);
}
