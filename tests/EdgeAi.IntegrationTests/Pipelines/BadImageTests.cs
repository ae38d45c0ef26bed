using System.Buffers.Binary;
using System.Net;
using EdgeAi.Common.Inference;
using Grpc.Core;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace EdgeAi.IntegrationTests.Pipelines;

/// <summary>
/// Every bad image a caller can send a pipeline, over gRPC and REST: each is refused with the status and a message
/// naming the problem, and the agent serves the next good image.
/// </summary>
public sealed class BadImageTests(PipelineAgentFixture fixture) : IClassFixture<PipelineAgentFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A bad image: what is sent (as image elements, or another datatype) and what the refusal must say.</summary>
    public sealed record BadImage(string Pipeline, IReadOnlyList<byte[]> Images, StatusCode Grpc, HttpStatusCode Http, string Message, string Datatype = "BYTES", long[]? Shape = null, string Input = "image");

    private static BadImage Make(string name) => name switch
    {
        "random-bytes" => new("colours", [RandomBytes()], StatusCode.InvalidArgument, HttpStatusCode.BadRequest, "input 'image': not an image: 2000 bytes starting 0x"),
        "gif" => new("colours", ["GIF89a\x01\x00\x01\x00\x80\x00\x00"u8.ToArray()], StatusCode.InvalidArgument, HttpStatusCode.BadRequest, "GIF images are not supported; send JPEG or PNG"),
        "bmp" => new("colours", [Encoded("chelsea.png", i => i.SaveAsBmp)], StatusCode.InvalidArgument, HttpStatusCode.BadRequest, "BMP images are not supported; send JPEG or PNG"),
        "text" => new("colours", ["this is a caption, not an image.\n"u8.ToArray()], StatusCode.InvalidArgument, HttpStatusCode.BadRequest, "input 'image': not an image: 33 bytes starting 0x7468697320697320"),
        "truncated-png" => new("colours", [TestImages.Read("chelsea.png")[..120_000]], StatusCode.InvalidArgument, HttpStatusCode.BadRequest, "input 'image': PNG is truncated: chunk 'IDAT'"),
        "jpeg-bomb" => new("colours", [JpegWithSize(TestImages.Read("rocket.jpg"), 30_000, 30_000)], StatusCode.ResourceExhausted, HttpStatusCode.RequestEntityTooLarge, "JPEG is 30000 × 30000 (900,000,000 pixels), over the limit of 25,000,000 pixels (Limits:MaxPixels); it was not decoded"),
        "shape-2d" => new("colours", [Red()], StatusCode.InvalidArgument, HttpStatusCode.BadRequest, "input 'image' has shape [1,1]", Shape: [1, 1]),
        "wrong-name" => new("colours", [Red()], StatusCode.InvalidArgument, HttpStatusCode.BadRequest, "the request's input is named 'input'", Input: "input"),
        "truncated-jpeg" => new("colours", [TestImages.Read("truncated.jpg")], StatusCode.InvalidArgument, HttpStatusCode.BadRequest, "input 'image': JPEG is truncated"),
        "bomb" => new("colours", [BombHeader(30_000, 30_000)], StatusCode.ResourceExhausted, HttpStatusCode.RequestEntityTooLarge, "PNG is 30000 × 30000 (900,000,000 pixels), over the limit of 25,000,000 pixels"),
        "empty" => new("colours", [[]], StatusCode.InvalidArgument, HttpStatusCode.BadRequest, "input 'image' is empty (0 bytes)"),
        "two-images" => new("colours", [Red(), Red()], StatusCode.InvalidArgument, HttpStatusCode.BadRequest, "more than one image"),
        "fp32-input" => new("colours", [new byte[4]], StatusCode.InvalidArgument, HttpStatusCode.BadRequest, "input 'image' is FP32, not BYTES", Datatype: "FP32"),
        "over-byte-limit" => new("small", [Red(size: 64, noise: true)], StatusCode.ResourceExhausted, HttpStatusCode.RequestEntityTooLarge, "over the limit of 1,000 bytes (Pipelines:small:Limits:MaxEncodedBytes)"),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    public static TheoryData<string> Cases =>
        ["random-bytes", "text", "gif", "bmp", "truncated-jpeg", "truncated-png", "bomb", "jpeg-bomb", "empty", "two-images", "shape-2d", "wrong-name", "fp32-input", "over-byte-limit"];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadImage_OverGrpc_IsRefusedByName_AndTheAgentServesOn(string name)
    {
        var bad = Make(name);
        var request = bad.Datatype == "BYTES" ? PipelineRequests.Elements(bad.Pipeline, bad.Images) : Fp32Image(bad.Pipeline);
        request.Inputs[0].Name = bad.Input;
        if (bad.Shape is { } shape)
        {
            request.Inputs[0].Shape.Clear();
            request.Inputs[0].Shape.Add(shape);
        }

        var error = await Should.ThrowAsync<RpcException>(async () => await fixture.Agent.Grpc.ModelInferAsync(request, cancellationToken: Token));

        error.StatusCode.ShouldBe(bad.Grpc);
        error.Status.Detail.ShouldContain(bad.Message);
        await ServesAGoodImageAsync();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadImage_OverRest_IsRefusedByName_AndTheAgentServesOn(string name)
    {
        var bad = Make(name);
        var json = bad.Datatype == "BYTES"
            ? $$"""{"inputs":[{"name":"{{bad.Input}}","datatype":"BYTES","shape":[{{string.Join(",", bad.Shape ?? [bad.Images.Count])}}],"data":[{{string.Join(",", bad.Images.Select(i => $"\"{Convert.ToBase64String(i)}\""))}}]}]}"""
            : """{"inputs":[{"name":"image","datatype":"FP32","shape":[1],"data":[0.5]}]}""";

        var (response, body) = await Requests.PostAsync(fixture.Http, $"/v2/models/{bad.Pipeline}/infer", json, Token);

        response.StatusCode.ShouldBe(bad.Http);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        body.RootElement.GetProperty("detail").GetString().ShouldNotBeNull().ShouldContain(
            // Over REST the byte limit meets the base64 text first, which is longer than the image.
            name == "over-byte-limit" ? "over the limit of 1,000 bytes" : bad.Message);
        await ServesAGoodImageAsync();
    }

    private async Task ServesAGoodImageAsync()
    {
        var response = await fixture.Agent.Grpc.ModelInferAsync(PipelineRequests.Image("colours", Red()), cancellationToken: Token);
        PipelineRequests.Classes(response).Labels[0].ShouldBe("red");
    }

    private static ModelInferRequest Fp32Image(string pipeline)
    {
        var request = Requests.Fp32(pipeline, [1], [0.5f], input: "image");
        return request;
    }

    private static byte[] RandomBytes()
    {
        var bytes = new byte[2000];
        new Random(12).NextBytes(bytes);
        bytes[0] = 0x42; // 'B' then a byte no known signature has, so it is nobody's format
        bytes[1] = 0x00;
        return bytes;
    }

    private static byte[] Red(int size = 8, bool noise = false)
    {
        var random = new Random(5);
        using var image = new Image<Rgb24>(size, size);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    row[x] = noise ? new Rgb24((byte)random.Next(200, 256), (byte)random.Next(0, 50), (byte)random.Next(0, 50)) : new Rgb24(220, 20, 30);
                }
            }
        });
        using var png = new MemoryStream();
        image.SaveAsPng(png);
        return png.ToArray();
    }

    /// <summary>A real photo re-encoded in another format (BMP, ...), as a camera or a user would send it.</summary>
    private static byte[] Encoded(string photo, Func<Image, Action<Stream>> save)
    {
        using var image = Image.Load(TestImages.Read(photo));
        using var encoded = new MemoryStream();
        save(image)(encoded);
        return encoded.ToArray();
    }

    /// <summary>A real JPEG whose frame header (SOF0/SOF2) claims width × height: a decompression bomb with a real photo's data after it.</summary>
    private static byte[] JpegWithSize(byte[] jpeg, ushort width, ushort height)
    {
        var copy = jpeg.ToArray();
        for (var i = 2; i + 9 < copy.Length; i++)
        {
            if (copy[i] == 0xFF && copy[i + 1] is 0xC0 or 0xC2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(i + 5), height);
                BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(i + 7), width);
                return copy;
            }
        }
        throw new InvalidOperationException("no frame header in the JPEG");
    }

    /// <summary>A PNG signature and an IHDR claiming width × height, and nothing else: what a decompression bomb starts with.</summary>
    private static byte[] BombHeader(uint width, uint height)
    {
        var png = new byte[8 + 25];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(png, 0);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(8), 13);
        "IHDR"u8.CopyTo(png.AsSpan(12));
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(20), height);
        png[24] = 8; // bit depth
        png[25] = 2; // RGB
        return png;
    }
}
