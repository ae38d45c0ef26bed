using EdgeAi.Quantization.Calibration;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeAi.Quantization.Accuracy;

/// <summary>One output of one run: its shape and values, copied out of ONNX Runtime.</summary>
internal sealed record OutputValues(long[] Shape, float[] Values);

/// <summary>A model loaded the way a device runs it (all graph optimizations, so QDQ fuses into integer kernels) for comparing and timing.</summary>
internal sealed class ModelRunner : IDisposable
{
    private readonly SessionOptions options;
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();

    public ModelRunner(byte[] model, string role, int? threads = null)
    {
        Binder = SampleBinder.For(model);
        options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        if (threads is { } count)
        {
            options.IntraOpNumThreads = count;
            options.InterOpNumThreads = 1;
        }

        try
        {
            session = new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException ex)
        {
            options.Dispose();
            runOptions.Dispose();
            throw new QuantizationException($"ONNX Runtime cannot load the {role} model: {ex.Message}", ex);
        }

        Role = role;
        FloatOutputs = session.OutputMetadata.Where(o => o.Value.IsTensor && o.Value.ElementDataType == TensorElementType.Float).Select(o => o.Key).ToArray();
    }

    public SampleBinder Binder { get; }

    public string Role { get; }

    /// <summary>The FLOAT outputs, the ones compared (integer outputs such as labels are left out).</summary>
    public string[] FloatOutputs { get; }

    public IReadOnlyList<string> AllOutputs => session.OutputNames;

    /// <summary>The named outputs for one sample.</summary>
    public OutputValues[] Run(CalibrationSample sample, string[] outputs)
    {
        var inputs = Binder.Bind(sample);
        try
        {
            using var results = Run(inputs, outputs, sample.Source);
            return results.Select(r => new OutputValues(r.GetTensorTypeAndShape().Shape, r.GetTensorDataAsSpan<float>().ToArray())).ToArray();
        }
        finally
        {
            foreach (var input in inputs)
            {
                input.Dispose();
            }
        }
    }

    public IDisposableReadOnlyCollection<OrtValue> Run(OrtValue[] inputs, string[] outputs, string source)
    {
        try
        {
            return session.Run(runOptions, Binder.Names, inputs, outputs);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new QuantizationException($"{source}: the {Role} model failed on this sample: {ex.Message}", ex);
        }
    }

    public void Dispose()
    {
        session.Dispose();
        options.Dispose();
        runOptions.Dispose();
    }
}
