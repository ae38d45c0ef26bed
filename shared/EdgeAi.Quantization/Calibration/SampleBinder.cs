using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeAi.Quantization.Calibration;

/// <summary>
/// Checks a sample against the model's inputs (names, element type, rank, fixed dimensions, byte count) and turns
/// it into ONNX Runtime values. Every rejection names the sample's file, the input, what the model expects and
/// what the sample holds.
/// </summary>
internal sealed class SampleBinder
{
    private readonly IReadOnlyList<OnnxTensorInfo> inputs;

    private SampleBinder(IReadOnlyList<OnnxTensorInfo> inputs)
    {
        this.inputs = inputs;
        Names = inputs.Select(i => i.Name).ToArray();
    }

    /// <summary>The model's inputs in graph order: the order of the values <see cref="Bind"/> returns.</summary>
    public string[] Names { get; }

    public static SampleBinder For(byte[] model) => new(ModelCheck.Read(model).Inputs);

    public static string Describe(OnnxTensorInfo input) =>
        $"{TypeName(input.ElementType)} {(input.IsRankKnown ? FormatShape(input.Shape) : "[any shape]")}";

    public static string FormatShape(IEnumerable<long> shape) => $"[{string.Join(", ", shape.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]";

    public static string TypeName(int elementType) =>
        TensorDatatypes.TryFromOnnx(elementType, out var datatype) ? datatype.ToName() : $"ONNX element type {elementType}";

    /// <summary>The sample's tensors as values in <see cref="Names"/> order; the caller disposes them.</summary>
    public OrtValue[] Bind(CalibrationSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        Check(sample);
        var values = new OrtValue[inputs.Count];
        var created = 0;
        try
        {
            for (; created < inputs.Count; created++)
            {
                values[created] = Create(sample.Inputs[inputs[created].Name]);
            }

            return values;
        }
        catch
        {
            for (var i = 0; i < created; i++)
            {
                values[i].Dispose();
            }

            throw;
        }
    }

    /// <summary>Throws <see cref="QuantizationException"/> when the sample does not fit the model's inputs.</summary>
    public void Check(CalibrationSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var expected = string.Join(", ", inputs.Select(i => $"'{i.Name}' {Describe(i)}"));
        foreach (var name in sample.Inputs.Keys)
        {
            if (!inputs.Any(i => i.Name == name))
            {
                throw new QuantizationException($"{sample.Source}: tensor '{name}' is not an input of the model; the model expects {expected}");
            }
        }

        foreach (var input in inputs)
        {
            if (!sample.Inputs.TryGetValue(input.Name, out var tensor))
            {
                throw new QuantizationException($"{sample.Source}: input '{input.Name}' is missing; the model expects {expected}");
            }

            CheckTensor(sample.Source, input, tensor);
        }
    }

    private static void CheckTensor(string source, OnnxTensorInfo input, SampleTensor tensor)
    {
        var found = $"{TypeName(tensor.ElementType)} {FormatShape(tensor.Shape)}";
        if (tensor.ElementType != input.ElementType)
        {
            throw new QuantizationException($"{source}: input '{input.Name}' is {found}; the model expects {Describe(input)} (the element type differs)");
        }

        if (!TensorDatatypes.TryFromOnnx(tensor.ElementType, out var datatype) || datatype == TensorDatatype.Bytes)
        {
            throw new QuantizationException($"{source}: input '{input.Name}' is {found}; only numeric and bool tensors can be calibrated");
        }

        if (input.IsRankKnown)
        {
            if (tensor.Shape.Length != input.Shape.Count)
            {
                throw new QuantizationException($"{source}: input '{input.Name}' is {found}; the model expects {Describe(input)} (rank {input.Shape.Count}, not {tensor.Shape.Length})");
            }

            for (var d = 0; d < tensor.Shape.Length; d++)
            {
                if (input.Shape[d] >= 0 && input.Shape[d] != tensor.Shape[d])
                {
                    throw new QuantizationException($"{source}: input '{input.Name}' is {found}; the model expects {Describe(input)} (dimension {d} is {tensor.Shape[d]}, not {input.Shape[d]})");
                }
            }
        }

        var count = 1L;
        foreach (var dim in tensor.Shape)
        {
            if (dim < 0)
            {
                throw new QuantizationException($"{source}: input '{input.Name}' is {found}; dimensions must be 0 or more");
            }

            count *= dim;
        }

        if (tensor.Data.LongLength != count * datatype.ElementSize())
        {
            throw new QuantizationException(
                $"{source}: input '{input.Name}' holds {tensor.Data.LongLength} bytes; shape {FormatShape(tensor.Shape)} of {datatype.ToName()} needs {count * datatype.ElementSize()}");
        }
    }

    private static OrtValue Create(SampleTensor tensor)
    {
        // Copied into a native buffer: the sample's array may be collected while the session runs a later sample.
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)tensor.ElementType, tensor.Shape);
        try
        {
            tensor.Data.AsSpan().CopyTo(value.GetTensorMutableRawData());
            return value;
        }
        catch
        {
            value.Dispose();
            throw;
        }
    }
}
