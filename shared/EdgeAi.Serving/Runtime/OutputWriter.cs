using System.Buffers.Binary;
using EdgeAi.Common.Inference;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using OutputTensor = EdgeAi.Common.Inference.ModelInferResponse.Types.InferOutputTensor;

namespace EdgeAi.Serving.Runtime;

/// <summary>Writes ONNX Runtime outputs into a response as raw contents (one copy, then wrapped).</summary>
internal static class OutputWriter
{
    public static void Write(ModelInferResponse response, TensorSpec spec, OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var output = new OutputTensor { Name = spec.Name, Datatype = spec.Datatype.ToName() };
        output.Shape.AddRange(info.Shape);
        response.Outputs.Add(output);
        var bytes = spec.Datatype == TensorDatatype.Bytes
            ? LengthPrefixed(value, info.ElementCount)
            : value.GetTensorMutableRawData().ToArray();
        response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(bytes));
    }

    private static byte[] LengthPrefixed(OrtValue value, long count)
    {
        var total = 0;
        for (var i = 0; i < count; i++)
        {
            total += 4 + value.GetStringElementAsSpan(i).Length;
        }
        var bytes = new byte[total];
        var offset = 0;
        for (var i = 0; i < count; i++)
        {
            var element = value.GetStringElementAsSpan(i);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset), element.Length);
            element.CopyTo(bytes.AsSpan(offset + 4));
            offset += 4 + element.Length;
        }
        return bytes;
    }
}
