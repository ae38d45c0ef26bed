using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;

namespace EdgeAi.Quantization.Inputs;

/// <summary>What a model's inputs take, for checking calibration tensors against them and saying what was expected.</summary>
internal static class ModelInputs
{
    public static IReadOnlyList<OnnxTensorInfo> Read(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        try
        {
            return OnnxModelReader.Read(model).Inputs;
        }
        catch (InvalidOnnxModelException e)
        {
            throw new QuantizationException($"the model cannot be read: {e.Message}", e);
        }
    }

    /// <summary>"'data' FP32 [1,3,224,224]", symbolic dimensions by name.</summary>
    public static string Describe(OnnxTensorInfo input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var dims = input.IsRankKnown
            ? "[" + string.Join(",", input.Shape.Select((d, i) => d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : input.DimensionNames[i] ?? "?")) + "]"
            : "[any shape]";
        return $"'{input.Name}' {TypeName(input.ElementType)} {dims}";
    }

    public static string TypeName(int elementType) =>
        TensorDatatypes.TryFromOnnx(elementType, out var datatype) ? datatype.ToName() : $"ONNX type {elementType}";

    /// <summary>True when the model's first dimension takes a batch of one sample: 1 or symbolic.</summary>
    public static bool TakesBatchOfOne(OnnxTensorInfo input) =>
        input.IsRankKnown && input.Shape.Count > 0 && input.Shape[0] is 1 or -1;

    /// <summary>Null when a tensor of this type and shape fits the input, else what does not fit.</summary>
    public static string? Misfit(OnnxTensorInfo input, int elementType, IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(shape);
        if (elementType != input.ElementType)
        {
            return $"{TypeName(elementType)}, but model input {Describe(input)} takes {TypeName(input.ElementType)}";
        }
        if (!input.IsRankKnown)
        {
            return null;
        }
        if (shape.Count != input.Shape.Count || shape.Where((d, i) => input.Shape[i] >= 0 && input.Shape[i] != d).Any())
        {
            return $"shape {NpyHeader.Format(shape)}, but model input {Describe(input)} takes {FittingShape(input)}";
        }
        return null;
    }

    private static string FittingShape(OnnxTensorInfo input) =>
        "(" + string.Join(", ", input.Shape.Select((d, i) => d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : input.DimensionNames[i] ?? "any")) + ")";
}
