using EdgeAi.Agent.Hosting;
using EdgeAi.Serving.Store;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Pipelines;

/// <summary>
/// Checks every pipeline at start, each error naming its setting (<c>Pipelines:{name}:Resize:Width</c>) and what
/// is expected; the labels file is read to prove it is there. What needs the model (its input's shape and
/// datatype, its class count) is checked when the model is known (<see cref="ModelFit"/>): a model that is not
/// installed yet leaves its pipeline not ready, not the agent stopped.
/// </summary>
internal sealed class PipelinesOptionsValidator(IOptions<AgentOptions> agent) : IValidateOptions<PipelinesOptions>
{
    /// <summary>Beyond this an image side is no model input: the resize target's bound.</summary>
    public const int MaxTargetSide = 8192;

    /// <summary>width × height × 3 bytes must fit in one array.</summary>
    public const long MaxPixelsBound = int.MaxValue / 3;

    public ValidateOptionsResult Validate(string? name, PipelinesOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        foreach (var (pipeline, p) in options.Pipelines)
        {
            errors.AddRange(Check(pipeline, p, agent.Value.DataDirectory));
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static IEnumerable<string> Check(string pipeline, PipelineOptions p, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(p);
        var at = $"{PipelinesOptions.Section}:{pipeline}";
        if (!ModelStore.IsValidName(pipeline))
        {
            yield return $"{at}: '{pipeline}' is not a pipeline name (letters, digits, '.', '_', '-', starting with a letter or digit), as model names are.";
        }
        if (string.IsNullOrEmpty(p.Model))
        {
            yield return $"{at}:Model is missing: name the model the image tensor goes to.";
        }
        else if (!ModelStore.IsValidName(p.Model))
        {
            yield return $"{at}:Model '{p.Model}' is not a model name (letters, digits, '.', '_', '-').";
        }
        else if (p.Model == pipeline)
        {
            yield return $"{at}:Model is '{p.Model}', the pipeline's own name; a pipeline is served under its name, so it needs a name of its own.";
        }
        if (p.ModelVersion is { } version && !ModelStore.IsValidName(version))
        {
            yield return $"{at}:ModelVersion '{version}' is not a version (letters, digits, '.', '_', '-').";
        }
        foreach (var error in CheckResize(at, p.Resize).Concat(CheckNormalize(at, p.Normalize)).Concat(CheckPost(at, p.Post, dataDirectory)).Concat(CheckLimits(at, p.Limits)))
        {
            yield return error;
        }
    }

    private static IEnumerable<string> CheckResize(string at, ResizeOptions r)
    {
        if (r.Width is < 1 or > MaxTargetSide)
        {
            yield return $"{at}:Resize:Width is {r.Width}; expected the model's input width, 1 to {MaxTargetSide}.";
        }
        if (r.Height is < 1 or > MaxTargetSide)
        {
            yield return $"{at}:Resize:Height is {r.Height}; expected the model's input height, 1 to {MaxTargetSide}.";
        }
        if (r.Fill is < 0 or > 255)
        {
            yield return $"{at}:Resize:Fill is {r.Fill}; expected a pixel value 0 to 255 for the letterbox bars.";
        }
    }

    private static IEnumerable<string> CheckNormalize(string at, NormalizeOptions n)
    {
        if (!float.IsFinite(n.Scale) || n.Scale == 0)
        {
            yield return $"{at}:Normalize:Scale is {n.Scale}; expected a finite number other than 0 (1/255 = 0.00392156863 maps pixels to 0..1).";
        }
        if (n.Mean.Length is not (0 or 1 or 3) || n.Mean.Any(m => !float.IsFinite(m)))
        {
            yield return $"{at}:Normalize:Mean has {n.Mean.Length} values [{string.Join(", ", n.Mean)}]; expected none, one for every channel, or three finite numbers in tensor channel order.";
        }
        if (n.Std.Length is not (0 or 1 or 3) || n.Std.Any(s => !float.IsFinite(s) || s == 0))
        {
            yield return $"{at}:Normalize:Std has {n.Std.Length} values [{string.Join(", ", n.Std)}]; expected none, one for every channel, or three finite numbers other than 0, in tensor channel order.";
        }
        if (n.Datatype == PixelDatatype.UInt8 && (n.Scale != 1 || n.Mean.Any(m => m != 0) || n.Std.Any(s => s != 1)))
        {
            yield return $"{at}:Normalize: a UINT8 tensor carries the pixels as they are (0..255), so Scale must be 1, Mean 0 and Std 1; normalize in FP32 or FP16 instead.";
        }
        if (n.Input is { Length: 0 })
        {
            yield return $"{at}:Normalize:Input is empty; name the model input, or leave it out for a model with one input.";
        }
    }

    private static IEnumerable<string> CheckPost(string at, PostOptions post, string dataDirectory)
    {
        if (post.TopK < 0)
        {
            yield return $"{at}:Post:TopK is {post.TopK}; expected how many classes to return (0: all).";
        }
        if (post.Threshold is { } threshold && !float.IsFinite(threshold))
        {
            yield return $"{at}:Post:Threshold is {threshold}; expected a finite score.";
        }
        if (post.LabelsFile is { } file)
        {
            var path = LabelsFile.Resolve(file, dataDirectory);
            string? error = null;
            try
            {
                if (LabelsFile.Read(path).Count == 0)
                {
                    error = "it holds no labels (one label per line, line i naming class i)";
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error = e.Message;
            }
            if (error is not null)
            {
                yield return $"{at}:Post:LabelsFile '{path}' cannot be used: {error}.";
            }
        }
    }

    private static IEnumerable<string> CheckLimits(string at, ImageLimits limits)
    {
        if (limits.MaxEncodedBytes < 1)
        {
            yield return $"{at}:Limits:MaxEncodedBytes is {limits.MaxEncodedBytes}; expected the largest encoded image in bytes (default {ImageLimits.DefaultMaxEncodedBytes}).";
        }
        if (limits.MaxPixels is < 1 or > MaxPixelsBound)
        {
            yield return $"{at}:Limits:MaxPixels is {limits.MaxPixels}; expected width × height, 1 to {MaxPixelsBound} (default {ImageLimits.DefaultMaxPixels}).";
        }
    }
}

