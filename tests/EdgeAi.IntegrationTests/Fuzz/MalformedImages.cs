using System.Buffers.Binary;
using EdgeAi.Common.Inference;
using Google.Protobuf;
using InputTensor = EdgeAi.Common.Inference.ModelInferRequest.Types.InferInputTensor;

namespace EdgeAi.IntegrationTests.Fuzz;

/// <summary>
/// Damaged pipeline requests from a seeded <see cref="Random"/>: real JPEG and PNG photos with bytes flipped, cut
/// short, spliced, padded or given a huge size in their header; random bytes; other formats' signatures; and the
/// request around them damaged (datatype, shape, name, element count, length prefix, typed vs raw contents).
/// </summary>
internal sealed class MalformedImages(Random random, IReadOnlyList<byte[]> photos)
{
    private static readonly string[] Signatures = ["GIF89a", "BM", "RIFF\0\0\0\0WEBP", "II*\0", "\0\0\0\u000CjP  ", "qoif", "8BPS"];

    public bool Chance(double p) => random.NextDouble() < p;

    /// <summary>Encoded bytes that are almost an image, and what was done to them.</summary>
    public (byte[] Bytes, string What) Image()
    {
        var photo = photos[random.Next(photos.Count)];
        var kind = photo[0] == 0xFF ? "JPEG" : "PNG";
        switch (random.Next(10))
        {
            case 0:
                return (Bytes(random.Next(0, 4096)), "random bytes");
            case 1:
                return ([.. System.Text.Encoding.ASCII.GetBytes(Signatures[random.Next(Signatures.Length)]), .. Bytes(random.Next(0, 256))], "another format's signature");
            case 2:
                return (photo[..random.Next(0, photo.Length)], $"{kind} cut short");
            case 3:
            {
                var copy = photo.ToArray();
                var flips = random.Next(1, 64);
                for (var i = 0; i < flips; i++)
                {
                    copy[random.Next(copy.Length)] = (byte)random.Next(256);
                }
                return (copy, $"{kind} with {flips} bytes changed");
            }
            case 4:
            {
                // Header bytes: where the size, colour type and segment lengths are.
                var copy = photo.ToArray();
                var flips = random.Next(1, 8);
                for (var i = 0; i < flips; i++)
                {
                    copy[random.Next(Math.Min(copy.Length, 700))] = (byte)random.Next(256);
                }
                return (copy, $"{kind} with {flips} header bytes changed");
            }
            case 5:
                return (Resized(photo), $"{kind} claiming another size");
            case 6:
            {
                var at = random.Next(photo.Length);
                return ([.. photo[..at], .. Bytes(random.Next(1, 512)), .. photo[at..]], $"{kind} with junk inserted");
            }
            case 7:
            {
                var at = random.Next(photo.Length);
                var length = random.Next(1, Math.Min(8192, photo.Length - at) + 1);
                var copy = photo.ToArray();
                Array.Clear(copy, at, Math.Min(length, copy.Length - at));
                return (copy, $"{kind} with {length} bytes zeroed");
            }
            case 8:
            {
                var other = photos[random.Next(photos.Count)];
                return ([.. photo[..random.Next(photo.Length)], .. other[random.Next(other.Length)..]], $"{kind} spliced with another photo");
            }
            default:
                return (photo, $"{kind} whole");
        }
    }

    /// <summary>A pipeline request for <paramref name="image"/>, sometimes with the request itself damaged.</summary>
    public (ModelInferRequest Request, string What) Request(string pipeline, byte[] image)
    {
        var request = new ModelInferRequest { ModelName = pipeline };
        var input = new InputTensor { Name = Chance(0.95) ? "image" : "input", Datatype = Chance(0.92) ? "BYTES" : random.Next(3) switch { 0 => "FP32", 1 => "UINT8", _ => "STRING" } };
        var images = Chance(0.9) ? 1 : random.Next(0, 4);
        if (Chance(0.9))
        {
            input.Shape.Add(images);
        }
        else
        {
            input.Shape.Add(Enumerable.Range(0, random.Next(0, 4)).Select(_ => (long)random.Next(-1, 3)));
        }
        request.Inputs.Add(input);
        var what = $"{input.Name}:{input.Datatype}[{string.Join(",", input.Shape)}]";
        var elements = Enumerable.Range(0, images).Select(i => i == 0 ? image : photos[random.Next(photos.Count)]).ToList();
        if (Chance(0.75))
        {
            var raw = elements.SelectMany(e => BitConverter.GetBytes(e.Length).Concat(e)).ToArray();
            if (Chance(0.08) && raw.Length >= 4)
            {
                BinaryPrimitives.WriteInt32LittleEndian(raw, random.Next(-1, raw.Length + 10));
                what += " bad length prefix";
            }
            request.RawInputContents.Add(ByteString.CopyFrom(raw));
            what += " raw";
        }
        else
        {
            input.Contents = new InferTensorContents();
            input.Contents.BytesContents.Add(elements.Select(ByteString.CopyFrom));
            what += " typed";
        }
        if (Chance(0.1))
        {
            request.Parameters["edgeai.route"] = new InferParameter { StringParam = random.Next(4) switch { 0 => "local", 1 => "cloud", 2 => "auto", _ => "nowhere" } };
            what += $" route {request.Parameters["edgeai.route"].StringParam}";
        }
        if (Chance(0.05))
        {
            request.ModelVersion = random.Next(3) switch { 0 => "1", 1 => "7", _ => "x/y" };
            what += $" version '{request.ModelVersion}'";
        }
        if (Chance(0.1))
        {
            request.Parameters["edgeai.deadline_ms"] = new InferParameter { Int64Param = random.Next(-5, 50) };
            what += " short deadline";
        }
        return (request, what);
    }

    /// <summary>The REST body for <paramref name="image"/>: base64, as JSON carries it, or something else in its place.</summary>
    public (string Json, string What) Json(string pipeline, byte[] image)
    {
        _ = pipeline;
        return random.Next(10) switch
        {
            0 => ($$"""{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":["{{Convert.ToBase64String(image)[..Math.Max(0, Convert.ToBase64String(image).Length - random.Next(1, 4))]}}"]}]}""", "base64 cut short"),
            1 => ($$"""{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":["data:image/png;base64,{{Convert.ToBase64String(image)}}"]}]}""", "data URL"),
            2 => ($$"""{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":["{{Convert.ToBase64String(image).Replace('A', '*')}}"]}]}""", "base64 with a foreign character"),
            3 => ($$"""{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":[{{random.Next()}}]}]}""", "a number for the image"),
            4 => ($$"""{"inputs":[{"name":"image","datatype":"BYTES","shape":[2],"data":["{{Convert.ToBase64String(image)}}","{{Convert.ToBase64String(image)}}"]}]}""", "two images"),
            _ => ($$"""{"inputs":[{"name":"image","datatype":"BYTES","shape":[1],"data":["{{Convert.ToBase64String(image)}}"]}]}""", "base64"),
        };
    }

    private byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>The photo with its header's width and height replaced: huge (a decompression bomb), zero, or near the truth.</summary>
    private byte[] Resized(byte[] photo)
    {
        var copy = photo.ToArray();
        var (width, height) = random.Next(3) switch
        {
            0 => (30_000, 30_000),
            1 => (random.Next(0, 2), random.Next(0, 2)),
            _ => (random.Next(1, 70_000), random.Next(1, 70_000)),
        };
        if (copy[0] == 0x89 && copy.Length >= 24)
        {
            BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(16), width);
            BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(20), height);
            return copy;
        }
        // JPEG: the first start-of-frame segment (FF C0 or FF C2): length, precision, height, width.
        for (var i = 2; i + 9 < copy.Length; i++)
        {
            if (copy[i] == 0xFF && copy[i + 1] is 0xC0 or 0xC2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(i + 5), (ushort)Math.Min(height, ushort.MaxValue));
                BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(i + 7), (ushort)Math.Min(width, ushort.MaxValue));
                break;
            }
        }
        return copy;
    }
}
