using EdgeAi.Common.Inference;
using EdgeAi.Serving.Protocol;
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

    /// <summary>Requests waiting for or running on this instance.</summary>
    public int QueueDepth => Volatile.Read(ref _queued);

    internal InferenceSession Session => _created?.Session ?? throw new InvalidOperationException("model is not loaded");

    internal static ModelInstance Ready(string name, string version, string path, CreatedSession created, int maxConcurrency, string? variant = null)
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

    internal async Task<ModelInferResponse> RunAsync(ModelInferRequest request, long maxTensorBytes, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _queued);
        try
        {
            if (_concurrency is not null)
            {
                await _concurrency.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            try
            {
                return Run(request, maxTensorBytes, cancellationToken);
            }
            finally
            {
                _concurrency?.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    private ModelInferResponse Run(ModelInferRequest request, long maxTensorBytes, CancellationToken cancellationToken)
    {
        var outputs = SelectOutputs(request);
        using var inputs = InputBinder.Bind(Inputs, request, maxTensorBytes);
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
            return response;
        }
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
