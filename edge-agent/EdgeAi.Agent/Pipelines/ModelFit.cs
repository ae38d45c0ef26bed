using EdgeAi.Common.Inference;
using EdgeAi.Serving.Runtime;

namespace EdgeAi.Agent.Pipelines;

/// <summary>How a pipeline feeds its model, once checked against the model's metadata.</summary>
internal sealed record PipelinePlan(string Input, TensorDatatype InputDatatype, long[] InputShape, TensorSpec? Scores, int? Classes);

/// <summary>A pipeline whose settings do not fit its model; the message names both sides.</summary>
internal sealed class PipelineMisfitException : Exception
{
    public PipelineMisfitException(string message)
        : base(message)
    {
    }

    public PipelineMisfitException()
    {
    }

    public PipelineMisfitException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Checks a pipeline against its model's inputs and outputs: one image input of the configured datatype whose
/// shape takes [1,3,H,W] (NCHW) or [1,H,W,3] (NHWC) — a dynamic dimension takes any size —; with
/// post-processing, a score output (FP32, FP16 or FP64) with one row of classes, as many as the labels file has
/// lines. Every mismatch names the setting to change and what the model has.
/// </summary>
internal static class ModelFit
{
    public static PipelinePlan Fit(string pipeline, PipelineOptions p, IReadOnlyList<TensorSpec> inputs, IReadOnlyList<TensorSpec> outputs, int? labels)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var at = $"{PipelinesOptions.Section}:{pipeline}";
        var model = $"model '{p.Model}'";
        TensorSpec input;
        if (p.Normalize.Input is { } named)
        {
            input = inputs.FirstOrDefault(i => i.Name == named)
                ?? throw new PipelineMisfitException($"{at}:Normalize:Input is '{named}', but {model} has inputs {Describe(inputs)}");
        }
        else if (inputs.Count != 1)
        {
            throw new PipelineMisfitException(inputs.Count == 0
                ? $"{model} has no inputs to put the image into"
                : $"{model} has {inputs.Count} inputs ({Describe(inputs)}); a pipeline feeds one image tensor, so the model must have one input");
        }
        else
        {
            input = inputs[0];
        }
        if (inputs.Count > 1)
        {
            throw new PipelineMisfitException($"{model} has {inputs.Count} inputs ({Describe(inputs)}); a pipeline feeds one image tensor, so the model must have one input");
        }

        var datatype = PixelNormalizer.DatatypeOf(p.Normalize.Datatype);
        var shape = PixelNormalizer.ShapeOf(p.Normalize.Layout, p.Resize.Width, p.Resize.Height);
        var makes = $"{at} makes {datatype.ToName()} {TensorSpec.FormatShape(shape)} ({p.Normalize.Layout.ToString().ToUpperInvariant()}, Resize {p.Resize.Width} × {p.Resize.Height})";
        if (input.Datatype != datatype)
        {
            throw new PipelineMisfitException($"{model} input {input.Describe()} takes {input.Datatype.ToName()}, but {makes}: set Normalize:Datatype to {input.Datatype.ToName()}");
        }
        if (input.Shape.Count != shape.Length || input.Shape.Where((d, i) => d != -1 && d != shape[i]).Any())
        {
            throw new PipelineMisfitException($"{model} input {input.Describe()} does not take the image tensor: {makes}");
        }

        if (!p.Post.Enabled)
        {
            return new PipelinePlan(input.Name, datatype, shape, null, null);
        }
        TensorSpec scores;
        if (p.Post.Output is { } output)
        {
            scores = outputs.FirstOrDefault(o => o.Name == output)
                ?? throw new PipelineMisfitException($"{at}:Post:Output is '{output}', but {model} has outputs {Describe(outputs)}");
        }
        else
        {
            scores = outputs.Count > 0 ? outputs[0] : throw new PipelineMisfitException($"{model} has no outputs to read scores from");
        }
        if (scores.Datatype is not (TensorDatatype.Fp32 or TensorDatatype.Fp16 or TensorDatatype.Fp64))
        {
            throw new PipelineMisfitException($"{model} output {scores.Describe()} holds no scores (FP32, FP16 or FP64); set {at}:Post:Output to the score output, or Post:Enabled to false");
        }
        var rows = scores.Shape.Count > 1 ? scores.Shape.Take(scores.Shape.Count - 1).Where(d => d != -1).Aggregate(1L, (a, d) => a * d) : 1;
        if (rows != 1)
        {
            throw new PipelineMisfitException($"{model} output {scores.Describe()} has {rows} rows of scores for one image; post-processing reads one row of classes");
        }
        int? classes = scores.Shape.Count == 0 ? 1 : scores.Shape[^1] is > 0 and <= int.MaxValue and var c ? (int)c : null;
        if (classes is { } known && labels is { } count && count != known)
        {
            throw new PipelineMisfitException($"{at}:Post:LabelsFile has {count} labels, but {model} output {scores.Describe()} scores {known} classes");
        }
        return new PipelinePlan(input.Name, datatype, shape, scores, classes);
    }

    private static string Describe(IEnumerable<TensorSpec> specs) => string.Join(", ", specs.Select(s => s.Describe()));

    /// <summary>The inputs and outputs a metadata response describes (the hub's, for a model only it has).</summary>
    public static (IReadOnlyList<TensorSpec> Inputs, IReadOnlyList<TensorSpec> Outputs) SpecsOf(ModelMetadataResponse metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        static TensorSpec Spec(ModelMetadataResponse.Types.TensorMetadata t) =>
            new(t.Name, TensorDatatypes.TryParse(t.Datatype, out var d) ? d : TensorDatatype.Bytes, [.. t.Shape]);
        return ([.. metadata.Inputs.Select(Spec)], [.. metadata.Outputs.Select(Spec)]);
    }
}
