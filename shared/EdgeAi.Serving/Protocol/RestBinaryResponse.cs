using System.Buffers;
using System.Globalization;
using System.Text.Json;
using EdgeAi.Common.Inference;
using Microsoft.AspNetCore.Http;

namespace EdgeAi.Serving.Protocol;

/// <summary>
/// The binary form of an inference response: the JSON response first, then the raw bytes of each binary
/// output in output order, with <c>Inference-Header-Content-Length</c> giving the JSON's length, as Triton
/// answers. The output bytes go from the response message to the body as they are.
/// </summary>
internal static class RestBinaryResponse
{
    /// <summary>Which outputs go back as binary, or null when none does (then the response is the plain JSON form).</summary>
    public static bool[]? Choose(ModelInferResponse response, BinaryOutputs outputs)
    {
        if (!outputs.Any)
        {
            return null;
        }
        var binary = new bool[response.Outputs.Count];
        var any = false;
        for (var i = 0; i < binary.Length; i++)
        {
            // An output that came back as typed contents (no raw form) stays JSON: there are no bytes to send as they are;
            // one written into a shared-memory region is answered by its region's parameters.
            binary[i] = i < response.RawOutputContents.Count && outputs.IsBinary(response.Outputs[i].Name)
                && !response.Outputs[i].Parameters.ContainsKey(SharedMemory.SharedMemoryParameters.Region);
            any |= binary[i];
        }
        return any ? binary : null;
    }

    public static async Task WriteAsync(HttpContext context, ModelInferResponse response, bool[] binary)
    {
        var header = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(header))
        {
            RestResponseWriter.WriteInfer(json, response, binary);
        }
        long length = header.WrittenCount;
        for (var i = 0; i < binary.Length; i++)
        {
            length += binary[i] ? response.RawOutputContents[i].Length : 0;
        }
        var http = context.Response;
        http.StatusCode = StatusCodes.Status200OK;
        http.ContentType = BinaryTensorData.ContentType;
        http.Headers[BinaryTensorData.HeaderLengthHeader] = header.WrittenCount.ToString(CultureInfo.InvariantCulture);
        http.ContentLength = length;
        await http.Body.WriteAsync(header.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
        for (var i = 0; i < binary.Length; i++)
        {
            if (binary[i])
            {
                await http.Body.WriteAsync(response.RawOutputContents[i].Memory, context.RequestAborted).ConfigureAwait(false);
            }
        }
    }
}
