using EdgeAi.Common.Onnx;
using EdgeAi.Common.Onnx.Proto;
using Google.Protobuf;

namespace EdgeAi.Quantization;

/// <summary>Reads a model for the quantizer, turning every reason it cannot be used into a <see cref="QuantizationException"/>.</summary>
internal static class ModelCheck
{
    // Ops that only appear in models that are already quantized.
    private static readonly HashSet<string> QuantizedOps = new(StringComparer.Ordinal)
    {
        "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger",
    };

    public static OnnxModelInfo Read(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        try
        {
            return OnnxModelReader.Read(model);
        }
        catch (InvalidOnnxModelException ex)
        {
            throw new QuantizationException($"the model cannot be quantized: {ex.Message}", ex);
        }
    }

    public static ModelProto Parse(byte[] model)
    {
        Read(model);
        try
        {
            return ModelProto.Parser.ParseFrom(model);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new QuantizationException($"the model cannot be quantized: not an ONNX model: {ex.Message}", ex);
        }
    }

    /// <summary>Throws unless the model is a plain fp32 model: float tensors are FLOAT, weights live in the file, nothing is quantized yet.</summary>
    public static void EnsureFp32(byte[] model)
    {
        var info = Read(model);
        if (info.HasExternalData)
        {
            throw new QuantizationException("the model keeps its weights in external data files; quantization needs a self-contained model (save it with the weights inside the .onnx file)");
        }

        foreach (var tensor in info.Inputs.Concat(info.Outputs))
        {
            if (IsNonFp32Float(tensor.ElementType))
            {
                throw new QuantizationException(
                    $"the model is not an fp32 model: tensor '{tensor.Name}' is {Calibration.SampleBinder.TypeName(tensor.ElementType)}; quantization expects FP32 floating-point inputs and outputs");
            }
        }

        var graph = Parse(model).Graph;
        var quantized = graph.Node.FirstOrDefault(n => QuantizedOps.Contains(n.OpType));
        if (quantized is not null)
        {
            throw new QuantizationException($"the model is already quantized: node '{quantized.Name}' is a {quantized.OpType}; quantization expects an fp32 model");
        }

        var weight = graph.Initializer.FirstOrDefault(t => IsNonFp32Float(t.DataType));
        if (weight is not null)
        {
            throw new QuantizationException(
                $"the model is not an fp32 model: weight '{weight.Name}' is {Calibration.SampleBinder.TypeName(weight.DataType)}; quantization expects FP32 weights");
        }
    }

    private static bool IsNonFp32Float(int elementType) =>
        elementType is OnnxElementType.Float16 or OnnxElementType.BFloat16 or OnnxElementType.Double;
}
