using System.Buffers.Binary;
using System.Globalization;
using EdgeAi.Common.Inference;
using Google.Protobuf;

namespace EdgeAi.Agent.Pipelines;

/// <summary>The classes a pipeline returns, best first: index, score and label of each.</summary>
internal sealed record Classification(IReadOnlyList<long> Indices, IReadOnlyList<float> Scores, IReadOnlyList<string> Labels)
{
    public int Count => Indices.Count;
}

/// <summary>
/// Classifier post-processing: scores (optionally through a softmax) → the best <see cref="PostOptions.TopK"/>,
/// those under <see cref="PostOptions.Threshold"/> dropped → labels from the labels file, or the index as text.
/// Ties keep the lower class index first; a NaN score ranks last and never passes a threshold.
/// </summary>
internal static class ClassScores
{
    public const string LabelsOutput = "labels";
    public const string ScoresOutput = "scores";
    public const string IndicesOutput = "indices";

    /// <summary>Softmax, shifted by the maximum so large logits do not overflow.</summary>
    public static float[] Softmax(ReadOnlySpan<float> logits)
    {
        var result = new float[logits.Length];
        if (logits.Length == 0)
        {
            return result;
        }
        var max = float.NegativeInfinity;
        foreach (var l in logits)
        {
            max = Math.Max(max, l);
        }
        double sum = 0;
        for (var i = 0; i < logits.Length; i++)
        {
            var e = Math.Exp(logits[i] - (double)max);
            result[i] = (float)e;
            sum += e;
        }
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = (float)(result[i] / sum);
        }
        return result;
    }

    public static Classification Select(ReadOnlySpan<float> rawScores, PostOptions post, IReadOnlyList<string>? labels)
    {
        ArgumentNullException.ThrowIfNull(post);
        var scores = post.Softmax ? Softmax(rawScores) : rawScores.ToArray();
        var order = Enumerable.Range(0, scores.Length)
            .OrderByDescending(i => float.IsNaN(scores[i]) ? float.NegativeInfinity : scores[i])
            .ThenBy(i => i);
        IEnumerable<int> kept = post.TopK > 0 ? order.Take(post.TopK) : order;
        if (post.Threshold is { } threshold)
        {
            kept = kept.Where(i => scores[i] >= threshold);
        }
        var chosen = kept.ToList();
        return new Classification(
            [.. chosen.Select(i => (long)i)],
            [.. chosen.Select(i => scores[i])],
            [.. chosen.Select(i => labels is not null && i < labels.Count ? labels[i] : i.ToString(CultureInfo.InvariantCulture))]);
    }

    /// <summary>A score tensor's values as floats (FP32, FP16 or FP64 raw contents).</summary>
    public static float[] Read(TensorDatatype datatype, ReadOnlySpan<byte> raw)
    {
        if (datatype != TensorDatatype.Fp32)
        {
            return [.. RawTensor.ToDoubles(datatype, raw).Select(d => (float)d)];
        }
        var values = new float[raw.Length / 4];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * 4)..]);
        }
        return values;
    }

    /// <summary>labels (BYTES [1,k]), scores (FP32 [1,k]) and indices (INT64 [1,k]), as raw contents.</summary>
    public static void AddOutputs(ModelInferResponse response, Classification classes)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(classes);
        var k = classes.Count;
        var scores = new byte[k * 4];
        var indices = new byte[k * 8];
        for (var i = 0; i < k; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(scores.AsSpan(i * 4), classes.Scores[i]);
            BinaryPrimitives.WriteInt64LittleEndian(indices.AsSpan(i * 8), classes.Indices[i]);
        }
        Add(response, LabelsOutput, TensorDatatype.Bytes, k, RawTensor.FromStrings(classes.Labels));
        Add(response, ScoresOutput, TensorDatatype.Fp32, k, scores);
        Add(response, IndicesOutput, TensorDatatype.Int64, k, indices);
    }

    private static void Add(ModelInferResponse response, string name, TensorDatatype datatype, int k, byte[] raw)
    {
        var output = new ModelInferResponse.Types.InferOutputTensor { Name = name, Datatype = datatype.ToName() };
        output.Shape.Add([1, k]);
        response.Outputs.Add(output);
        response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(raw));
    }
}
