using Microsoft.ML.OnnxRuntime;

namespace EdgeAi.Bench.Latency;

/// <summary>
/// (a) The floor: an <see cref="InferenceSession"/> with the same options the agent's SessionFactory
/// uses, an input <see cref="OrtValue"/> over a float[] made once, and <c>Run</c> per iteration.
/// </summary>
internal sealed class BareOnnxRuntimePath : ILatencyPath
{
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly OrtValue _input;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames = [ResNet18.InputName];
    private readonly OrtValue[] _inputs;
    private readonly string[] _outputNames;

    public BareOnnxRuntimePath(ResNet18 model, int threads)
    {
        _options = SessionOptionsFor(threads);
        _session = new InferenceSession(model.Path, _options);
        _input = OrtValue.CreateTensorValueFromMemory(model.Input, ResNet18.Shape);
        _inputs = [_input];
        _outputNames = [_session.OutputNames[0]];
    }

    public string Label => "(a) ONNX Runtime, bare";

    /// <summary>The options the agent's SessionFactory sets for the CPU provider, with <paramref name="threads"/> intra-op threads.</summary>
    public static SessionOptions SessionOptionsFor(int threads) => new()
    {
        IntraOpNumThreads = threads,
        InterOpNumThreads = 1,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
    };

    public ValueTask InferOnceAsync(CancellationToken cancellationToken)
    {
        using var outputs = _session.Run(_runOptions, _inputNames, _inputs, _outputNames);
        return ValueTask.CompletedTask;
    }

    public ValueTask<float[]> InferAndReadAsync(CancellationToken cancellationToken)
    {
        using var outputs = _session.Run(_runOptions, _inputNames, _inputs, _outputNames);
        return ValueTask.FromResult(outputs[0].GetTensorDataAsSpan<float>().ToArray());
    }

    public ValueTask DisposeAsync()
    {
        _input.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
        _options.Dispose();
        return ValueTask.CompletedTask;
    }
}
