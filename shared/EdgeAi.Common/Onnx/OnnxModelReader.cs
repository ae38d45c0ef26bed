using EdgeAi.Common.Onnx.Proto;
using Google.Protobuf;
using DimCase = EdgeAi.Common.Onnx.Proto.TensorShapeProto.Types.Dimension.ValueOneofCase;
using TypeCase = EdgeAi.Common.Onnx.Proto.TypeProto.ValueOneofCase;

namespace EdgeAi.Common.Onnx;

/// <summary>
/// Reads a model's interface (inputs, outputs, opsets) from an ONNX file without ONNX Runtime,
/// so processes that never run models can still validate and describe them.
/// </summary>
public static class OnnxModelReader
{
    private const string DefaultDomain = "ai.onnx";

    /// <exception cref="InvalidOnnxModelException">The file is missing, unreadable or not a usable ONNX model.</exception>
    public static OnnxModelInfo Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new InvalidOnnxModelException($"model file not found: {path}");
        }

        try
        {
            // Parsed from the stream so the file's bytes are not held in memory beside the parsed weights.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var sizeBytes = stream.Length;
            if (sizeBytes == 0)
            {
                throw new InvalidOnnxModelException($"not an ONNX model: the file is empty: {path}");
            }

            return Describe(ModelProto.Parser.ParseFrom(stream), sizeBytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            // Checked first: protobuf's parse error is itself an IOException.
            throw NotOnnx(ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOnnxModelException($"cannot read model file '{path}': {ex.Message}", ex);
        }
    }

    /// <summary>Reads a model held in memory; its size is reported as the buffer's length.</summary>
    /// <exception cref="InvalidOnnxModelException">The data is not a usable ONNX model.</exception>
    public static OnnxModelInfo Read(ReadOnlySpan<byte> data) => Read(data, data.Length);

    /// <summary>Reads a model held in memory, reporting <paramref name="sizeBytes"/> as its size.</summary>
    /// <exception cref="InvalidOnnxModelException">The data is not a usable ONNX model.</exception>
    public static OnnxModelInfo Read(ReadOnlySpan<byte> data, long sizeBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeBytes);
        if (data.IsEmpty)
        {
            throw new InvalidOnnxModelException("not an ONNX model: the data is empty");
        }

        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(data);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw NotOnnx(ex);
        }

        return Describe(model, sizeBytes);
    }

    private static InvalidOnnxModelException NotOnnx(InvalidProtocolBufferException ex) =>
        new($"not an ONNX model: {ex.Message}", ex);

    private static OnnxModelInfo Describe(ModelProto model, long sizeBytes)
    {
        // Protobuf happily decodes many random byte strings into a message of garbage fields, so a
        // successful parse proves little; every real exporter sets these.
        if (model.IrVersion <= 0)
        {
            throw new InvalidOnnxModelException("not an ONNX model: ir_version is missing");
        }

        if (model.OpsetImport.Count == 0)
        {
            throw new InvalidOnnxModelException("not an ONNX model: it imports no operator set (opset_import is empty)");
        }

        var graph = model.Graph ?? throw new InvalidOnnxModelException("model has no graph");
        if (graph.Output.Count == 0)
        {
            throw new InvalidOnnxModelException("model has no outputs");
        }

        // Old exporters (IR < 4) list every weight as a graph input too; callers must not feed those.
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input
            .Where(i => !initializers.Contains(i.Name))
            .Select(i => Tensor(i, isInput: true))
            .ToArray();
        if (inputs.Length == 0)
        {
            throw new InvalidOnnxModelException("model has no inputs");
        }

        var outputs = graph.Output.Select(o => Tensor(o, isInput: false)).ToArray();
        var opsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var opset in model.OpsetImport)
        {
            opsets[opset.Domain == DefaultDomain ? "" : opset.Domain] = opset.Version;
        }

        return new OnnxModelInfo(
            model.IrVersion,
            opsets,
            model.ProducerName,
            model.ProducerVersion,
            inputs,
            outputs,
            sizeBytes,
            graph.Initializer.Any(IsExternal));
    }

    private static bool IsExternal(TensorProto tensor) =>
        tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0;

    private static OnnxTensorInfo Tensor(ValueInfoProto value, bool isInput)
    {
        var role = isInput ? "input" : "output";
        if (value.Type is null)
        {
            // ONNX Runtime infers missing output types, so only an untyped input is an error.
            return isInput
                ? throw new InvalidOnnxModelException($"input '{value.Name}' has no type")
                : new OnnxTensorInfo(value.Name, 0, [], []) { IsRankKnown = false };
        }

        if (value.Type.ValueCase != TypeCase.TensorType)
        {
            var kind = value.Type.ValueCase switch
            {
                TypeCase.SequenceType => "a sequence",
                TypeCase.MapType => "a map",
                _ => "of an unsupported type",
            };

            // scikit-learn classifiers exported with the default ZipMap return a sequence of maps.
            var hint = !isInput && value.Type.ValueCase == TypeCase.SequenceType
                ? " (for a scikit-learn classifier, convert it with options {'zipmap': False})"
                : "";
            throw new InvalidOnnxModelException($"{role} '{value.Name}' is {kind}, not a tensor; only tensors are supported{hint}");
        }

        var tensor = value.Type.TensorType;
        if (isInput && tensor.ElemType == 0)
        {
            throw new InvalidOnnxModelException($"input '{value.Name}' has no element type");
        }

        if (tensor.Shape is null)
        {
            return new OnnxTensorInfo(value.Name, tensor.ElemType, [], []) { IsRankKnown = false };
        }

        var shape = new long[tensor.Shape.Dim.Count];
        var names = new string?[shape.Length];
        for (var i = 0; i < shape.Length; i++)
        {
            var dim = tensor.Shape.Dim[i];
            shape[i] = dim.ValueCase == DimCase.DimValue && dim.DimValue >= 0 ? dim.DimValue : -1;
            names[i] = dim.ValueCase == DimCase.DimParam && dim.DimParam.Length > 0 ? dim.DimParam : null;
        }

        return new OnnxTensorInfo(value.Name, tensor.ElemType, shape, names);
    }
}
