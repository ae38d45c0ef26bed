using EdgeAi.Common.Inference;
using EdgeAi.Serving.Protocol;
using EdgeAi.Serving.Statistics;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAi.Serving.Runtime;

/// <summary>
/// One version of one model: its ONNX Runtime session and what it accepts. Callers lease it for
/// each inference, so a retired instance (swapped out or unloaded) lets in-flight requests finish
/// on its session and disposes it after the last one.
/// </summary>
public sealed class ModelInstance
{
    private readonly CreatedSession? _created;
    private readonly SemaphoreSlim? _concurrency;
    private readonly Lock _gate = new();
    private int _leases;
    private int _queued;
    private bool _retired;
    private bool _disposed;

    private ModelInstance(string name, string version, string path)
    {
        Name = name;
        Version = version;
        Path = path;
    }

    public string Name { get; }

    public string Version { get; }

    public string Path { get; }

    /// <summary>The variant this instance runs ("fp32", "int8", "fp16"); responses carry it as <see cref="InferenceParameters.ModelVariant"/>.</summary>
    public string Variant { get; private init; } = Common.Fleet.ModelVariants.Fp32;

    public ModelState State { get; private init; }

    /// <summary>Why the model is not ready, for a Failed instance.</summary>
    public string? FailureReason { get; private init; }

    public string? ExecutionProvider => _created?.ExecutionProvider;

    public IReadOnlyList<ProviderAttempt> SkippedProviders { get; private init; } = [];

    public IReadOnlyList<TensorSpec> Inputs { get; private init; } = [];

    public IReadOnlyList<TensorSpec> Outputs { get; private init; } = [];

    /// <summary>
    /// What this loaded instance has served (the statistics extension). A reload is a new instance and starts
    /// from zero, as Triton's statistics are those of the loaded model.
    /// </summary>
    public ModelCounters Counters { get; private init; } = new(TimeProvider.System);

    private ServingMeters? Meters { get; init; }

    /// <summary>Requests waiting for or running on this instance.</summary>
    public int QueueDepth => Volatile.Read(ref _queued);

    internal InferenceSession Session => _created?.Session ?? throw new InvalidOperationException("model is not loaded");

    internal static ModelInstance Ready(string name, string version, string path, CreatedSession created, int maxConcurrency, string? variant = null, TimeProvider? time = null, ServingMeters? meters = null)
    {
        var inputs = created.Session.InputMetadata.Select(kv => ToSpec(kv.Key, kv.Value, "input")).ToList();
        var outputs = created.Session.OutputMetadata.Select(kv => ToSpec(kv.Key, kv.Value, "output")).ToList();
        return new ModelInstance(name, version, path, created, maxConcurrency)
        {
            State = ModelState.Ready,
            Variant = Common.Fleet.ModelVariants.Normalize(variant),
            Inputs = inputs,
            Outputs = outputs,
            SkippedProviders = created.SkippedProviders,
            Counters = new ModelCounters(time ?? TimeProvider.System),
            Meters = meters,
        };
    }

    internal static ModelInstance Failed(string name, string version, string path, string reason, IReadOnlyList<ProviderAttempt> skipped, string? variant = null) =>
        new(name, version, path) { State = ModelState.Failed, FailureReason = reason, SkippedProviders = skipped, Variant = Common.Fleet.ModelVariants.Normalize(variant) };

    private ModelInstance(string name, string version, string path, CreatedSession created, int maxConcurrency)
        : this(name, version, path)
    {
        _created = created;
        _concurrency = maxConcurrency > 0 ? new SemaphoreSlim(maxConcurrency, maxConcurrency) : null;
    }

    private static TensorSpec ToSpec(string name, NodeMetadata metadata, string kind)
    {
        if (!metadata.IsTensor)
        {
            throw new ModelLoadException($"{kind} '{name}' is a {metadata.OnnxValueType}; the Open Inference Protocol carries tensors only");
        }
        if (!TensorDatatypes.TryFromOnnx((int)metadata.ElementDataType, out var datatype))
        {
            throw new ModelLoadException($"{kind} '{name}' has element type {metadata.ElementDataType}, which the Open Inference Protocol cannot carry");
        }
        return new TensorSpec(name, datatype, metadata.Dimensions.Select(d => d < 0 ? -1L : d).ToArray());
    }

    public ModelMetadataResponse ToMetadata(IEnumerable<string> versions)
    {
        var metadata = new ModelMetadataResponse { Name = Name, Platform = "onnxruntime_onnx" };
        metadata.Versions.AddRange(versions);
        metadata.Inputs.AddRange(Inputs.Select(i => i.ToMetadata()));
        metadata.Outputs.AddRange(Outputs.Select(o => o.ToMetadata()));
        metadata.Parameters.Set("edgeai.state", State.ToString().ToUpperInvariant());
        metadata.Parameters.Set(InferenceParameters.ModelVersion, Version);
        metadata.Parameters.Set(InferenceParameters.ModelVariant, Variant);
        if (ExecutionProvider is not null)
        {
            metadata.Parameters.Set(InferenceParameters.ExecutionProvider, ExecutionProvider);
        }
        if (FailureReason is not null)
        {
            metadata.Parameters.Set("edgeai.failure_reason", FailureReason);
        }
        return metadata;
    }

    internal bool TryAcquire()
    {
        lock (_gate)
        {
            if (_retired || State != ModelState.Ready)
            {
                return false;
            }
            _leases++;
            return true;
        }
    }

    internal void Release()
    {
        lock (_gate)
        {
            _leases--;
            if (_retired && _leases == 0)
            {
                DisposeSession();
            }
        }
    }

    /// <summary>Stops new leases; the session is disposed once in-flight requests finish.</summary>
    internal void Retire()
    {
        lock (_gate)
        {
            _retired = true;
            if (_leases == 0)
            {
                DisposeSession();
            }
        }
    }

    /// <summary>
    /// Runs one request (or one merged batch) and records it in <see cref="Counters"/>. <paramref name="arrivals"/>
    /// are the timestamps (on <see cref="ModelCounters.Time"/>) at which the requests in it arrived, for a
    /// batcher that queued them; null means one request arriving now. A merged batch that fails is not
    /// counted: its batcher runs each request again alone, and that is what counts.
    /// </summary>
    internal async Task<ModelInferResponse> RunAsync(ModelInferRequest request, long maxTensorBytes, CancellationToken cancellationToken, IReadOnlyList<long>? arrivals = null)
    {
        var time = Counters.Time;
        var timing = new RunTiming { Arrived = time.GetTimestamp() };
        Interlocked.Increment(ref _queued);
        try
        {
            if (_concurrency is not null)
            {
                await _concurrency.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            try
            {
                timing.Started = time.GetTimestamp();
                var response = Run(request, maxTensorBytes, cancellationToken, ref timing);
                Record(request, arrivals, timing);
                return response;
            }
            finally
            {
                _concurrency?.Release();
            }
        }
        catch (Exception) when (timing.Admitted(arrivals))
        {
            // Reached the model and got no answer (cancelled in the queue, or the run failed). Inputs refused
            // by the protocol's checks are not counted: Triton validates a request before it reaches the model.
            Counters.Failed(time.GetTimestamp() - (arrivals is { Count: 1 } ? arrivals[0] : timing.Arrived));
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    private void Record(ModelInferRequest request, IReadOnlyList<long>? arrivals, in RunTiming timing)
    {
        var input = timing.Bound - timing.Started;
        var infer = timing.Ran - timing.Bound;
        var output = timing.Written - timing.Ran;
        Counters.Executed(BatchSize(request), input, infer, output);
        if (arrivals is null)
        {
            Counters.Succeeded(timing.Written - timing.Arrived, timing.Started - timing.Arrived, input, infer, output);
            Meters?.Succeeded(Name, Version, timing.Started - timing.Arrived, input, infer, output, Counters.Time.TimestampFrequency);
            return;
        }
        for (var i = 0; i < arrivals.Count; i++)
        {
            // Each request of a batch waited its own time and shared the batch's compute, as Triton counts them.
            Counters.Succeeded(timing.Written - arrivals[i], timing.Started - arrivals[i], input, infer, output);
            Meters?.Succeeded(Name, Version, timing.Started - arrivals[i], input, infer, output, Counters.Time.TimestampFrequency);
        }
    }

    /// <summary>Rows in a request for a model whose inputs all have a dynamic first dimension (Triton's batch size); 1 otherwise.</summary>
    private long BatchSize(ModelInferRequest request)
    {
        if (request.Inputs.Count == 0 || request.Inputs[0].Shape.Count == 0)
        {
            return 1;
        }
        foreach (var spec in Inputs)
        {
            if (spec.Shape.Count == 0 || spec.Shape[0] != -1)
            {
                return 1;
            }
        }
        return request.Inputs[0].Shape[0];
    }

    private ModelInferResponse Run(ModelInferRequest request, long maxTensorBytes, CancellationToken cancellationToken, ref RunTiming timing)
    {
        var time = Counters.Time;
        var outputs = SelectOutputs(request);
        using var inputs = InputBinder.Bind(Inputs, request, maxTensorBytes);
        timing.Bound = time.GetTimestamp();
        using var runOptions = new RunOptions();
        using var cancel = cancellationToken.Register(() => runOptions.Terminate = true);
        IDisposableReadOnlyCollection<OrtValue> results;
        try
        {
            results = Session.Run(runOptions, inputs.Names, inputs.Values, outputs.Select(o => o.Name).ToList());
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new InferenceException(InferenceError.Cancelled, $"inference on model '{Name}' was cancelled");
        }
        catch (OnnxRuntimeException e)
        {
            throw RunFailure(e);
        }
        timing.Ran = time.GetTimestamp();

        using (results)
        {
            var response = new ModelInferResponse { ModelName = Name, ModelVersion = Version, Id = request.Id };
            for (var i = 0; i < outputs.Count; i++)
            {
                OutputWriter.Write(response, outputs[i], results[i]);
            }
            response.Parameters.Set(InferenceParameters.ExecutionProvider, ExecutionProvider!);
            response.Parameters.Set(InferenceParameters.ModelVersion, Version);
            response.Parameters.Set(InferenceParameters.ModelVariant, Variant);
            timing.Written = time.GetTimestamp();
            return response;
        }
    }

    /// <summary>Timestamps of one run's phases; a phase not reached is 0.</summary>
    private struct RunTiming
    {
        public long Arrived;
        public long Started;
        public long Bound;
        public long Ran;
        public long Written;

        /// <summary>
        /// Whether a failure counts: it was cancelled while queued (never started), or its inputs were bound and
        /// the run failed. A merged batch (several arrivals) is never counted here; its requests are rerun alone.
        /// </summary>
        public readonly bool Admitted(IReadOnlyList<long>? arrivals) =>
            arrivals is not { Count: > 1 } && (Started == 0 || Bound != 0);
    }

    /// <summary>
    /// What a failed run means. The inputs passed every protocol check, so ONNX Runtime's own refusals of
    /// values and shapes are the request's: InvalidArgument (a Reshape that does not fit, ...) as it says,
    /// and Fail or RuntimeException, which its kernels raise when an operator cannot take its operands
    /// (Add's broadcasting, Concat's dimensions), as <see cref="InferenceError.ModelRejected"/>. Anything
    /// else (a provider or engine failure, an operator not implemented) is the server's: Internal.
    /// </summary>
    private InferenceException RunFailure(OnnxRuntimeException e)
    {
        var message = e.Message.Split('\n', 2)[0];
        var error = message.StartsWith("[ErrorCode:InvalidArgument]", StringComparison.Ordinal) ? InferenceError.InvalidArgument
            : message.StartsWith("[ErrorCode:Fail]", StringComparison.Ordinal) || message.StartsWith("[ErrorCode:RuntimeException]", StringComparison.Ordinal)
                ? InferenceError.ModelRejected
                : InferenceError.Internal;
        var what = error == InferenceError.Internal ? "failed to run" : "cannot run this input";
        return new InferenceException(error, $"model '{Name}' version {Version} {what}: {message}", e);
    }

    private List<TensorSpec> SelectOutputs(ModelInferRequest request)
    {
        if (request.Outputs.Count == 0)
        {
            return [.. Outputs];
        }
        var selected = new List<TensorSpec>(request.Outputs.Count);
        foreach (var requested in request.Outputs)
        {
            var spec = Outputs.FirstOrDefault(o => o.Name == requested.Name)
                ?? throw InferenceException.Invalid(
                    $"unknown output '{requested.Name}'; model '{Name}' has outputs {InputBinder.Describe(Outputs)}");
            selected.Add(spec);
        }
        return selected;
    }

    private void DisposeSession()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _created?.Session.Dispose();
        _created?.Options.Dispose();
        _concurrency?.Dispose();
    }
}
