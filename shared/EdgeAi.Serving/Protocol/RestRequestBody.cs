using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;

namespace EdgeAi.Serving.Protocol;

/// <summary>
/// An inference request body, read once into one buffer and split by the binary tensor data framing:
/// <see cref="Json"/> is the JSON request, <see cref="Binary"/> the tensor bytes after it (null when the
/// request has no <c>Inference-Header-Content-Length</c> header). Both are slices of the same array, so
/// binary inputs are wrapped, not copied.
/// </summary>
internal sealed record RestRequestBody(ReadOnlyMemory<byte> Json, ReadOnlyMemory<byte>? Binary, bool IsRawBinary)
{
    /// <summary>
    /// Reads the whole body (Kestrel enforces the size limit; a declared length over it is refused before
    /// anything is allocated) and checks the JSON part is UTF-8 as JSON text must be, so a bad byte is
    /// reported with its offset instead of failing later inside a string. A body whose framing cannot be
    /// read (a chunk size past 64 bits, which Kestrel reports as an IOException) is the caller's mistake too.
    /// </summary>
    public static async Task<RestRequestBody> ReadAsync(HttpContext context, int limit, string limitName = "the configured limit (ModelHost:MaxRequestBytes)")
    {
        var body = await ReadAllAsync(context, limit, limitName).ConfigureAwait(false);
        var headerLength = HeaderLength(context.Request.Headers, body.Length);
        var json = headerLength is int n ? body[..n] : body;
        // Typed explicitly: a bare null would convert to an empty ReadOnlyMemory through its byte[] conversion.
        var binary = headerLength is int m ? (ReadOnlyMemory<byte>?)body[m..] : null;
        // Triton's raw binary request: a header length of 0, the whole body one input's bytes and no JSON at all.
        if (headerLength == 0)
        {
            return new RestRequestBody(json, binary, IsRawBinary: true);
        }
        // JSON may start with a UTF-8 byte-order mark; the parser does not skip it in memory.
        if (json.Span.StartsWith(Utf8Bom))
        {
            json = json[Utf8Bom.Length..];
        }
        if (!Utf8.IsValid(json.Span))
        {
            var offset = FirstInvalidUtf8(json.Span);
            throw InferenceException.Invalid(
                $"request body is not valid UTF-8: byte 0x{json.Span[offset]:X2} at offset {offset} does not start or continue a UTF-8 character (JSON text must be UTF-8)");
        }
        return new RestRequestBody(json, binary, IsRawBinary: false);
    }

    /// <summary>The JSON header's length from <c>Inference-Header-Content-Length</c>, or null when the header is absent (the whole body is JSON).</summary>
    internal static int? HeaderLength(IHeaderDictionary headers, int bodyLength)
    {
        if (!headers.TryGetValue(BinaryTensorData.HeaderLengthHeader, out var values))
        {
            return null;
        }
        if (values.Count != 1)
        {
            throw InferenceException.Invalid($"{BinaryTensorData.HeaderLengthHeader} is given {values.Count} times; send it once");
        }
        var text = values[0] ?? string.Empty;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            throw InferenceException.Invalid(
                $"{BinaryTensorData.HeaderLengthHeader} is '{text}'; expected a whole number of bytes, 0 or more, giving the length of the JSON request at the start of the body");
        }
        if (length > bodyLength)
        {
            throw InferenceException.Invalid(
                $"{BinaryTensorData.HeaderLengthHeader} is {length}, larger than the {bodyLength}-byte body; it gives the length of the JSON request at the start of the body");
        }
        return (int)length;
    }

    private static async Task<ReadOnlyMemory<byte>> ReadAllAsync(HttpContext context, int limit, string limitName)
    {
        try
        {
            if (context.Request.ContentLength is long length)
            {
                if (length > limit)
                {
                    throw new InferenceException(InferenceError.ResourceExhausted, $"request body is {length} bytes, over {limitName}");
                }
                // Sized from Content-Length: one array, read straight into, no growing copies.
                var buffer = GC.AllocateUninitializedArray<byte>((int)length);
                await context.Request.Body.ReadExactlyAsync(buffer, context.RequestAborted).ConfigureAwait(false);
                return buffer;
            }
            // Chunked: no length up front, so it grows (Kestrel still stops it at the limit).
            var stream = new MemoryStream(4096);
            await context.Request.Body.CopyToAsync(stream, context.RequestAborted).ConfigureAwait(false);
            if (stream.Length > limit)
            {
                throw new InferenceException(InferenceError.ResourceExhausted, $"request body is {stream.Length} bytes, over {limitName}");
            }
            return stream.GetBuffer().AsMemory(0, (int)stream.Length);
        }
        catch (IOException e) when (e is not BadHttpRequestException && !context.RequestAborted.IsCancellationRequested)
        {
            throw InferenceException.Invalid($"request body cannot be read: {e.Message}");
        }
    }

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (offset < bytes.Length && Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed) == OperationStatus.Done)
        {
            offset += consumed;
        }
        return Math.Min(offset, bytes.Length - 1);
    }
}
