using EdgeAi.Bench.Latency;
using EdgeAi.Common.Onnx.Proto;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAi.Bench.Hub;

/// <summary>What <see cref="BatchDynamicModel.Write"/> changed, and how far batch 4 was from four runs at batch 1.</summary>
internal sealed record BatchDynamicRewrite(string Path, int Inputs, int Outputs, int ValueInfos, int Reshapes)
{
    public double MaxDifference { get; init; } = double.NaN;

    public string Describe() =>
        $"dimension 0 of {Inputs} input(s), {Outputs} output(s) and {ValueInfos} intermediate value_info shape(s) set from 1 to the symbol `batch`; "
        + (Reshapes == 0 ? "no Reshape pinned the batch" : $"{Reshapes} Reshape shape(s) changed from 1 to {(Reshapes == 1 ? "a free" : "free")} dimension 0");
}

/// <summary>
/// ResNet18 from the package is exported with a fixed batch of 1 ([1,3,224,224] in, [1,512,1,1]
/// out, every intermediate shape recorded with 1), so the hub cannot batch it: batching needs
/// dimension 0 to be dynamic on every input and output. This writes a copy whose batch dimension is
/// the symbol <c>batch</c> everywhere, and checks that copy computes what the original does.
/// </summary>
internal static class BatchDynamicModel
{
    private const string BatchSymbol = "batch";

    public static BatchDynamicRewrite Write(string sourcePath, string targetPath)
    {
        var model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(sourcePath));
        var graph = model.Graph;
        // Models from before ONNX IR 4 also list their weights as graph inputs; those keep their shapes.
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        foreach (var value in inputs.Concat(graph.Output))
        {
            if (!FreeBatch(value))
            {
                throw new InvalidOperationException($"'{value.Name}' has no fixed batch dimension of 1 to free; this rewrite is for ResNet18 as packaged");
            }
        }
        var valueInfos = graph.ValueInfo.Count(FreeBatch);
        var reshapes = 0;
        foreach (var node in graph.Node.Where(n => n.OpType == "Reshape" && n.Input.Count > 1))
        {
            if (graph.Initializer.FirstOrDefault(i => i.Name == node.Input[1]) is { } shape && FreeReshapeBatch(shape))
            {
                reshapes++;
            }
        }
        File.WriteAllBytes(targetPath, model.ToByteArray());
        return new BatchDynamicRewrite(targetPath, inputs.Count, graph.Output.Count, valueInfos, reshapes);
    }

    /// <summary>
    /// Runs the original at batch 1 on each of <paramref name="rows"/> different inputs and the
    /// rewritten model once on all of them as one batch; returns the largest difference of any output
    /// value. Throws when the batched output does not have one row per input row.
    /// </summary>
    public static double Verify(string originalPath, string rewrittenPath, int threads, int rows = 4)
    {
        var random = new Random(7);
        var rowLength = (int)ResNet18.Shape.Aggregate(1L, (a, d) => a * d);
        var batch = new float[rows * rowLength];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = random.NextSingle();
        }

        using var options = BareOnnxRuntimePath.SessionOptionsFor(threads);
        using var original = new InferenceSession(originalPath, options);
        using var rewritten = new InferenceSession(rewrittenPath, options);
        using var run = new RunOptions();
        var output = original.OutputNames[0];

        var expected = new List<float>();
        for (var r = 0; r < rows; r++)
        {
            using var input = OrtValue.CreateTensorValueFromMemory(batch[(r * rowLength)..((r + 1) * rowLength)], ResNet18.Shape);
            using var result = original.Run(run, [ResNet18.InputName], [input], [output]);
            expected.AddRange(result[0].GetTensorDataAsSpan<float>().ToArray());
        }

        long[] batchShape = [rows, .. ResNet18.Shape[1..]];
        using var batchInput = OrtValue.CreateTensorValueFromMemory(batch, batchShape);
        using var batched = rewritten.Run(run, [ResNet18.InputName], [batchInput], [output]);
        var shape = batched[0].GetTensorTypeAndShape().Shape;
        var actual = batched[0].GetTensorDataAsSpan<float>().ToArray();
        if (shape[0] != rows || actual.Length != expected.Count)
        {
            throw new InvalidOperationException($"the batch-dynamic model answered shape [{string.Join(",", shape)}] for {rows} rows");
        }
        return actual.Zip(expected, (a, e) => (double)Math.Abs(a - e)).Max();
    }

    private static bool FreeBatch(ValueInfoProto value)
    {
        var dims = value.Type?.TensorType?.Shape?.Dim;
        if (dims is not { Count: > 0 } || dims[0].ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || dims[0].DimValue != 1)
        {
            return false;
        }
        dims[0].DimParam = BatchSymbol;
        return true;
    }

    /// <summary>A constant Reshape target [1, ...] becomes [-1, ...] (or [0, ...], "keep dimension 0", when another dimension is already -1).</summary>
    private static bool FreeReshapeBatch(TensorProto shape)
    {
        if (shape.DataType != (int)TensorProto.Types.DataType.Int64)
        {
            return false;
        }
        long[] values = shape.Int64Data.Count > 0
            ? [.. shape.Int64Data]
            : [.. Enumerable.Range(0, shape.RawData.Length / 8).Select(i => BitConverter.ToInt64(shape.RawData.Span[(i * 8)..]))];
        if (values.Length == 0 || values[0] != 1)
        {
            return false;
        }
        values[0] = values.Contains(-1) ? 0 : -1;
        if (shape.Int64Data.Count > 0)
        {
            shape.Int64Data.Clear();
            shape.Int64Data.AddRange(values);
        }
        else
        {
            shape.RawData = ByteString.CopyFrom([.. values.SelectMany(BitConverter.GetBytes)]);
        }
        return true;
    }
}
