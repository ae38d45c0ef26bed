using System.Buffers;
using System.Buffers.Binary;
using EdgeAi.Common.Inference;
using EdgeAi.Serving;

namespace EdgeAi.Agent.Pipelines;

/// <summary>
/// The one encoded image of a pipeline request: input <c>image</c>, BYTES, shape [1], as raw contents (gRPC) or
/// typed bytes contents. JSON strings cannot carry binary, so over REST the element is the image in base64
/// (standard alphabet, optionally a <c>data:image/...;base64,</c> URL): an element made only of base64 text
/// cannot be a JPEG or PNG (their signatures start 0xFF and 0x89), so the two never mix up. Every refusal
/// names the pipeline, the input and what was expected.
/// </summary>
internal static class ImageInput
{
    public const string Name = "image";

    public static ReadOnlyMemory<byte> Read(string pipeline, ModelInferRequest request, int maxEncodedBytes)
    {
        ArgumentNullException.ThrowIfNull(request);
        var expected = $"pipeline '{pipeline}' takes one input '{Name}' (BYTES [1]: one encoded JPEG or PNG)";
        if (request.Inputs.Count != 1)
        {
            throw InferenceException.Invalid(request.Inputs.Count == 0
                ? $"{expected}; the request has no inputs"
                : $"{expected}; the request has {request.Inputs.Count} inputs ({string.Join(", ", request.Inputs.Select(i => i.Name))})");
        }
        var input = request.Inputs[0];
        if (input.Name != Name)
        {
            throw InferenceException.Invalid($"{expected}; the request's input is named '{input.Name}'");
        }
        if (input.Datatype != TensorDatatype.Bytes.ToName())
        {
            throw InferenceException.Invalid($"{expected}; input '{Name}' is {input.Datatype}, not BYTES");
        }
        var elements = input.Shape.Aggregate(1L, (a, d) => d < 0 ? -1 : a * d);
        if (input.Shape.Count != 1 || elements != 1)
        {
            throw InferenceException.Invalid(elements > 1
                ? $"{expected}; input '{Name}' has shape {Shape(input.Shape)}: more than one image (send one request per image)"
                : $"{expected}; input '{Name}' has shape {Shape(input.Shape)}");
        }
        var element = Element(expected, request, input);
        if (element.Length == 0)
        {
            throw InferenceException.Invalid($"pipeline '{pipeline}': input '{Name}' is empty (0 bytes); expected one encoded JPEG or PNG");
        }
        CheckSize(pipeline, element.Length, maxEncodedBytes, "");
        if (IsBase64Text(element.Span))
        {
            element = FromBase64(pipeline, element.Span);
            CheckSize(pipeline, element.Length, maxEncodedBytes, " once decoded from base64");
        }
        return element;
    }

    private static ReadOnlyMemory<byte> Element(string expected, ModelInferRequest request, ModelInferRequest.Types.InferInputTensor input)
    {
        if (request.RawInputContents.Count > 0)
        {
            if (request.RawInputContents.Count != 1)
            {
                throw InferenceException.Invalid($"{expected}; raw_input_contents has {request.RawInputContents.Count} entries for 1 input");
            }
            if (input.Contents is { BytesContents.Count: > 0 })
            {
                throw InferenceException.Invalid($"input '{Name}' has both typed contents and raw_input_contents; use one");
            }
            var raw = request.RawInputContents[0].Memory;
            // One BYTES element: a 4-byte little-endian length, then that many bytes, and nothing after.
            if (raw.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(raw.Span) != (uint)(raw.Length - 4))
            {
                throw InferenceException.Invalid(raw.Length < 4
                    ? $"{expected}; raw contents of input '{Name}' are {raw.Length} bytes, too few for a BYTES element (a 4-byte length, then the bytes)"
                    : $"{expected}; raw contents of input '{Name}' are not one BYTES element: its length prefix says {BinaryPrimitives.ReadUInt32LittleEndian(raw.Span)} bytes, {raw.Length - 4} follow");
            }
            return raw[4..];
        }
        var typed = input.Contents?.BytesContents;
        if (typed is not { Count: 1 })
        {
            throw InferenceException.Invalid($"{expected}; input '{Name}' holds {typed?.Count ?? 0} BYTES elements");
        }
        return typed[0].Memory;
    }

    private static void CheckSize(string pipeline, int length, int max, string how)
    {
        if (length > max)
        {
            throw new InferenceException(
                InferenceError.ResourceExhausted,
                $"pipeline '{pipeline}': input '{Name}' is {length:N0} bytes{how}, over the limit of {max:N0} bytes (Pipelines:{pipeline}:Limits:MaxEncodedBytes)");
        }
    }

    private static string Shape(IEnumerable<long> shape) => "[" + string.Join(",", shape) + "]";

    private static readonly SearchValues<byte> Base64Text = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n"u8);

    private static ReadOnlySpan<byte> DataUrlScheme => "data:"u8;

    private static ReadOnlySpan<byte> Base64Marker => ";base64,"u8;

    private static bool IsBase64Text(ReadOnlySpan<byte> element) =>
        element.StartsWith(DataUrlScheme) || !element.ContainsAnyExcept(Base64Text);

    private static byte[] FromBase64(string pipeline, ReadOnlySpan<byte> text)
    {
        if (text.StartsWith(DataUrlScheme))
        {
            var marker = text.IndexOf(Base64Marker);
            if (marker < 0)
            {
                throw InferenceException.Invalid($"pipeline '{pipeline}': input '{Name}' is a data URL without ';base64,'; send the image base64-encoded");
            }
            text = text[(marker + Base64Marker.Length)..];
        }
        // Convert's base64 reader skips line breaks, so MIME-style base64 (76-character lines) is taken too.
        var decoded = new byte[text.Length / 4 * 3 + 3];
        if (!Convert.TryFromBase64String(System.Text.Encoding.ASCII.GetString(text), decoded, out var written))
        {
            throw InferenceException.Invalid(
                $"pipeline '{pipeline}': input '{Name}' is text, so it was read as base64 (how JSON carries an image), but it is not valid base64; send JPEG or PNG bytes, or their standard base64");
        }
        return decoded.AsSpan(0, written).ToArray();
    }
}
