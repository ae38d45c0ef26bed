using System.Diagnostics;
using EdgeAi.Common.Inference;
using EdgeAi.Imaging;
using EdgeAi.Serving;
using EdgeAi.Serving.Protocol;
using EdgeAi.Serving.Runtime;
using Google.Protobuf;

namespace EdgeAi.Agent.Pipelines;

/// <summary>Why a pipeline cannot serve now: its model is missing (<see cref="PipelineState.Waiting"/>) or does not fit it (<see cref="PipelineState.Failed"/>).</summary>
internal sealed class PipelineNotReadyException : Exception
{
    public PipelineNotReadyException(PipelineState state, string message)
        : base(message) => State = state;

    public PipelineNotReadyException()
        : this(PipelineState.Waiting, "the pipeline is not ready")
    {
    }

    public PipelineNotReadyException(string message)
        : this(PipelineState.Waiting, message)
    {
    }

    public PipelineNotReadyException(string message, Exception innerException)
        : base(message, innerException) => State = PipelineState.Waiting;

    public PipelineState State { get; }
}

internal enum PipelineState
{
    /// <summary>Its model is on the device and fits.</summary>
    Ready,

    /// <summary>Its model is not on the device; the hub serves it (the pipeline runs here, the model there).</summary>
    Cloud,

    /// <summary>Its model is neither here nor (known to be) at the hub, or not loaded yet.</summary>
    Waiting,

    /// <summary>Its settings do not fit its model: the reason names both.</summary>
    Failed,
}

/// <summary>The steps before and after the model: the image in, the tensor out; the model's answer in, the pipeline's answer out.</summary>
internal sealed class ImagePipeline(string name, PipelineOptions options, IReadOnlyList<string>? labels)
{
    public string Name { get; } = name;

    public PipelineOptions Options { get; } = options;

    public IReadOnlyList<string>? Labels { get; } = labels;

    /// <summary>The plan for the last local model instance seen, so a request costs no metadata walk (a swapped-in version is checked anew).</summary>
    private Checked<ModelInstance>? _local;

    /// <summary>The plan from the hub's metadata, and when it was fetched (the hub is not asked on every request).</summary>
    private Checked<ModelMetadataResponse>? _hub;

    /// <summary>Checks the pipeline against a loaded local model; the result is kept until another instance serves.</summary>
    public PipelinePlan PlanFor(ModelInstance instance, Action<string> onMisfit)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(onMisfit);
        var cached = Volatile.Read(ref _local);
        if (cached is null || !ReferenceEquals(cached.Source, instance))
        {
            cached = Check(instance, instance.Inputs, instance.Outputs, onMisfit, $"version {instance.Version}");
            Volatile.Write(ref _local, cached);
        }
        return cached.Plan ?? throw new PipelineNotReadyException(PipelineState.Failed, cached.Misfit!);
    }

    public IReadOnlyList<TensorSpec>? LocalOutputs => Volatile.Read(ref _local)?.Source.Outputs;

    public ModelMetadataResponse? HubMetadata => Volatile.Read(ref _hub)?.Source;

    /// <summary>Checks the pipeline against the hub's metadata for the model, fetched again after <paramref name="maxAge"/>.</summary>
    public async Task<PipelinePlan> PlanFromHubAsync(Func<Task<ModelMetadataResponse>> metadata, DateTimeOffset now, TimeSpan maxAge, Action<string> onMisfit)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var cached = Volatile.Read(ref _hub);
        if (cached is null || now - cached.At > maxAge)
        {
            var fetched = await metadata().ConfigureAwait(false);
            var (inputs, outputs) = ModelFit.SpecsOf(fetched);
            cached = Check(fetched, inputs, outputs, onMisfit, $"at the hub (version {fetched.Parameters.GetString(InferenceParameters.ModelVersion) ?? "?"})") with { At = now };
            Volatile.Write(ref _hub, cached);
        }
        return cached.Plan ?? throw new PipelineNotReadyException(PipelineState.Failed, cached.Misfit!);
    }

    private Checked<T> Check<T>(T source, IReadOnlyList<TensorSpec> inputs, IReadOnlyList<TensorSpec> outputs, Action<string> onMisfit, string which)
        where T : class
    {
        try
        {
            return new Checked<T>(source, ModelFit.Fit(Name, Options, inputs, outputs, Labels?.Count), null);
        }
        catch (PipelineMisfitException e)
        {
            var reason = $"pipeline '{Name}' does not fit model '{Options.Model}' {which}: {e.Message}";
            onMisfit(reason);
            return new Checked<T>(source, null, reason);
        }
    }

    /// <summary>What one look at the model gave: a plan, or why there is none. Replaced whole, so readers never see half of one.</summary>
    private sealed record Checked<T>(T Source, PipelinePlan? Plan, string? Misfit, DateTimeOffset At = default);

    /// <summary>Decode → resize → normalize: the model's input tensor as raw contents, and how long it took.</summary>
    public (byte[] Tensor, TimeSpan Took) Preprocess(ReadOnlySpan<byte> encoded)
    {
        var started = Stopwatch.GetTimestamp();
        RgbImage image;
        try
        {
            image = ImageDecoder.Decode(encoded, Options.Limits.MaxPixels);
        }
        catch (ImageRejectedException e)
        {
            var error = e.Reason == ImageRejection.TooLarge ? InferenceError.ResourceExhausted : InferenceError.InvalidArgument;
            throw new InferenceException(error, $"pipeline '{Name}': input '{ImageInput.Name}': {e.Message}");
        }
        var resize = Options.Resize;
        var pixels = resize.Mode == ResizeMode.Letterbox
            ? ImageResize.Letterbox(image, resize.Width, resize.Height, resize.Fill, out _)
            : ImageResize.Stretch(image, resize.Width, resize.Height);
        var tensor = PixelNormalizer.ToTensor(pixels, resize.Width, resize.Height, Options.Normalize);
        return (tensor, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>The request the router gets: the tensor under the model's input name, the caller's parameters (route, deadline) and id.</summary>
    public ModelInferRequest ModelRequest(ModelInferRequest request, PipelinePlan plan, byte[] tensor)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(plan);
        var forwarded = new ModelInferRequest
        {
            ModelName = Options.Model,
            // A version in the request picks the model's version; else the configured one; else the model's active one.
            ModelVersion = request.ModelVersion is { Length: > 0 } asked ? asked : Options.ModelVersion ?? "",
            Id = request.Id,
        };
        forwarded.Parameters.Add(request.Parameters);
        var input = new ModelInferRequest.Types.InferInputTensor { Name = plan.Input, Datatype = plan.InputDatatype.ToName() };
        input.Shape.Add(plan.InputShape);
        forwarded.Inputs.Add(input);
        forwarded.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(tensor));
        if (!Options.Post.Enabled)
        {
            forwarded.Outputs.Add(request.Outputs);
        }
        return forwarded;
    }

    /// <summary>The pipeline's answer: the post-processed classes (or the model's own outputs), under the pipeline's name, with the model's parameters and <c>edgeai.pipeline</c>.</summary>
    public ModelInferResponse Respond(ModelInferRequest request, ModelInferResponse model, PipelinePlan plan)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(plan);
        ModelInferResponse response;
        if (plan.Scores is not { } scores)
        {
            response = model.Clone();
        }
        else
        {
            response = new ModelInferResponse { ModelVersion = model.ModelVersion, Id = model.Id };
            response.Parameters.Add(model.Parameters);
            var index = model.Outputs.Select(o => o.Name).ToList().IndexOf(scores.Name);
            if (index < 0 || index >= model.RawOutputContents.Count || !TensorDatatypes.TryParse(model.Outputs[index].Datatype, out var datatype))
            {
                throw new InferenceException(
                    InferenceError.Unavailable, $"pipeline '{Name}': model '{Options.Model}' answered without its score output '{scores.Name}' as raw contents; outputs: {string.Join(", ", model.Outputs.Select(o => o.Name))}");
            }
            var values = ClassScores.Read(datatype, model.RawOutputContents[index].Span);
            if (Labels is { } labels && labels.Count != values.Length)
            {
                throw new InferenceException(
                    InferenceError.Unavailable, $"pipeline '{Name}': Post:LabelsFile has {labels.Count} labels, but model '{Options.Model}' scored {values.Length} classes");
            }
            ClassScores.AddOutputs(response, ClassScores.Select(values, Options.Post, Labels));
            Keep(request, response);
        }
        response.ModelName = Name;
        response.Parameters.Set(PipelineParameters.Pipeline, Name);
        return response;
    }

    /// <summary>Only the outputs the caller asked for, when it asked (the protocol's <c>outputs</c>).</summary>
    private void Keep(ModelInferRequest request, ModelInferResponse response)
    {
        if (request.Outputs.Count == 0)
        {
            return;
        }
        var names = response.Outputs.Select(o => o.Name).ToList();
        foreach (var asked in request.Outputs.Where(o => !names.Contains(o.Name)))
        {
            throw InferenceException.Invalid($"pipeline '{Name}' has no output '{asked.Name}'; its outputs are {string.Join(", ", names)}");
        }
        var wanted = request.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = response.Outputs.Count - 1; i >= 0; i--)
        {
            if (!wanted.Contains(response.Outputs[i].Name))
            {
                response.Outputs.RemoveAt(i);
                response.RawOutputContents.RemoveAt(i);
            }
        }
    }
}

/// <summary>The response parameters a pipeline adds to those every response carries.</summary>
internal static class PipelineParameters
{
    /// <summary>The pipeline that served the request (its model step's parameters stay as they are).</summary>
    public const string Pipeline = "edgeai.pipeline";

    /// <summary>Milliseconds spent decoding, resizing and normalizing the image.</summary>
    public const string PreprocessMs = "edgeai.preprocess_ms";
}
