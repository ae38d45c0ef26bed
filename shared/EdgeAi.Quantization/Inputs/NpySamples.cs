using EdgeAi.Common.Onnx;
using EdgeAi.Quantization.Calibration;

namespace EdgeAi.Quantization.Inputs;

/// <summary>One input's tensor of a sample: a slice of a .npy file's data (a whole file, or one row of a batch).</summary>
internal sealed record NpyPart(string Input, NpyHeader File, long[] Shape, long Offset, long Length);

/// <summary>A sample made of .npy data, read when it is asked for.</summary>
internal sealed record NpySample(string Source, IReadOnlyList<NpyPart> Parts) : ISampleEntry
{
    public CalibrationSample Read()
    {
        var inputs = new Dictionary<string, SampleTensor>(StringComparer.Ordinal);
        foreach (var part in Parts)
        {
            inputs[part.Input] = new SampleTensor(part.File.ElementType, part.Shape, part.File.ReadData(part.Offset, part.Length));
        }
        return new CalibrationSample(Source, inputs);
    }
}

/// <summary>
/// Fits .npy files to a model's inputs. Every sample is batch 1. For a one-input model a file whose first dimension is
/// N &gt; 1, where the model's is 1 or symbolic, is N samples (its rows, in order: <c>x.npy[0]</c>, <c>x.npy[1]</c>, …);
/// in sample folders (several inputs) each file is one sample and must have batch 1. A file without the batch
/// dimension (rank one less than the model's, e.g. (3, 224, 224)) gets a batch of 1.
/// </summary>
internal static class NpySamples
{
    /// <summary>The samples one file holds for a one-input model.</summary>
    public static IEnumerable<NpySample> OfFile(string path, OnnxTensorInfo input)
    {
        var header = NpyHeader.Read(path);
        var shape = WithBatch(header, input);
        if (ModelInputs.TakesBatchOfOne(input) && shape.Length == input.Shape.Count && shape[0] > 1)
        {
            var rows = shape[0];
            long[] row = [1, .. shape[1..]];
            Check(header, input, row, $" (each of its {rows} rows is one sample)");
            var rowBytes = header.DataLength / rows;
            for (var r = 0L; r < rows; r++)
            {
                yield return new NpySample($"{path}[{r}]", [new NpyPart(input.Name, header, row, r * rowBytes, rowBytes)]);
            }
            yield break;
        }
        Check(header, input, shape, "");
        yield return new NpySample(path, [new NpyPart(input.Name, header, shape, 0, header.DataLength)]);
    }

    /// <summary>A sample folder: one <c>{input}.npy</c> for every model input, each batch 1, nothing else with .npy.</summary>
    public static NpySample OfFolder(string folder, IReadOnlyList<OnnxTensorInfo> inputs)
    {
        var expected = $"a sample folder holds one .npy per model input ({string.Join(", ", inputs.Select(i => i.Name + ".npy"))})";
        var names = inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var stray = Directory.EnumerateFiles(folder, "*.npy")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(n => n is not null && !names.Contains(n))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (stray.Count > 0)
        {
            throw new QuantizationException($"{folder}: {string.Join(", ", stray.Select(s => s + ".npy"))} names no model input; {expected}");
        }
        var parts = new List<NpyPart>();
        foreach (var input in inputs)
        {
            var path = Path.Combine(folder, input.Name + ".npy");
            if (!File.Exists(path))
            {
                throw new QuantizationException($"{folder}: no {input.Name}.npy for model input {ModelInputs.Describe(input)}; {expected}");
            }
            var header = NpyHeader.Read(path);
            var shape = WithBatch(header, input);
            Check(header, input, shape, "");
            if (ModelInputs.TakesBatchOfOne(input) && shape.Length == input.Shape.Count && shape[0] > 1)
            {
                throw NpyHeader.Bad(path, $"'{header.Descr}' shape {NpyHeader.Format(header.Shape)} is a batch of {shape[0]}, but a sample folder holds one sample: batch 1 for model input {ModelInputs.Describe(input)}");
            }
            parts.Add(new NpyPart(input.Name, header, shape, 0, header.DataLength));
        }
        return new NpySample(folder, parts);
    }

    private static long[] WithBatch(NpyHeader header, OnnxTensorInfo input) =>
        ModelInputs.TakesBatchOfOne(input) && header.Shape.Length == input.Shape.Count - 1 ? [1, .. header.Shape] : header.Shape;

    private static void Check(NpyHeader header, OnnxTensorInfo input, long[] shape, string note)
    {
        if (header.Elements == 0)
        {
            throw NpyHeader.Bad(header.Path, $"shape {NpyHeader.Format(header.Shape)} holds no values; model input {ModelInputs.Describe(input)} needs a sample");
        }
        if (ModelInputs.Misfit(input, header.ElementType, shape) is { } misfit)
        {
            var hint = header.ElementType != input.ElementType && NumpyName(input.ElementType) is { } wanted ? $"; save it with a.astype('{wanted}')" : "";
            throw NpyHeader.Bad(header.Path, $"'{header.Descr}' {misfit}{note}{hint}");
        }
    }

    private static string? NumpyName(int elementType) => elementType switch
    {
        OnnxElementType.Float => "<f4",
        OnnxElementType.Float16 => "<f2",
        OnnxElementType.Double => "<f8",
        OnnxElementType.Int64 => "<i8",
        OnnxElementType.Int32 => "<i4",
        OnnxElementType.UInt8 => "|u1",
        OnnxElementType.Int8 => "|i1",
        _ => null,
    };
}
