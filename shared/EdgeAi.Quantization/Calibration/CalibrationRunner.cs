using System.Runtime.InteropServices;
using EdgeAi.Common.Onnx;
using EdgeAi.Common.Onnx.Proto;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EdgeAi.Quantization.Calibration;

/// <summary>Receives the values of the calibrated tensors, one tensor of one sample at a time.</summary>
internal interface ITensorObserver
{
    void Observe(int tensor, ReadOnlySpan<float> values);
}

/// <summary>
/// One ONNX Runtime session over a copy of the model whose calibrated tensors are extra graph outputs (ONNX Runtime
/// never optimizes a graph output away), run over a source as many times as the method needs passes. Tensors that
/// are graph inputs are read from the samples, FLOAT initializers from the model.
/// </summary>
internal sealed class CalibrationRunner : IDisposable
{
    private readonly SampleBinder binder;
    private readonly InferenceSession session;
    private readonly SessionOptions sessionOptions;
    private readonly RunOptions runOptions = new();
    private readonly string[] outputNames;
    private readonly int[] outputTensors;
    private readonly List<(int Tensor, string Input)> inputTensors = [];
    private readonly List<(int Tensor, float[] Values)> constantTensors = [];

    public CalibrationRunner(byte[] model, IReadOnlyList<string> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        binder = SampleBinder.For(model);
        var proto = ModelCheck.Parse(model);
        var graph = proto.Graph;
        var produced = graph.Node.SelectMany(n => n.Output).ToHashSet(StringComparer.Ordinal);
        var outputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var initializers = graph.Initializer.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var names = new List<string>();
        var indices = new List<int>();
        for (var i = 0; i < tensors.Count; i++)
        {
            var name = tensors[i];
            if (binder.Names.Contains(name))
            {
                inputTensors.Add((i, name));
            }
            else if (produced.Contains(name))
            {
                names.Add(name);
                indices.Add(i);
                if (outputs.Add(name))
                {
                    graph.Output.Add(new ValueInfoProto
                    {
                        Name = name,
                        Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = OnnxElementType.Float } },
                    });
                }
            }
            else if (initializers.TryGetValue(name, out var initializer) && initializer.DataType == OnnxElementType.Float)
            {
                constantTensors.Add((i, Floats(initializer)));
            }
            else
            {
                throw new QuantizationException($"tensor '{name}' cannot be calibrated: no node of the model produces it and it is not a model input or a FLOAT weight");
            }
        }

        outputNames = [.. names];
        outputTensors = [.. indices];
        sessionOptions = new SessionOptions
        {
            // Basic optimizations only; the calibrated tensors are graph outputs, which no optimization removes.
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            session = new InferenceSession(proto.ToByteArray(), sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            sessionOptions.Dispose();
            runOptions.Dispose();
            throw new QuantizationException($"ONNX Runtime cannot load the model with its calibrated tensors as outputs: {ex.Message}", ex);
        }
    }

    /// <summary>Runs every sample of <paramref name="source"/> once; returns how many there were.</summary>
    public int Pass(ICalibrationSource source, ITensorObserver observer, CancellationToken cancellationToken)
    {
        foreach (var (tensor, values) in constantTensors)
        {
            observer.Observe(tensor, values);
        }

        var count = 0;
        foreach (var sample in source.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            Run(sample, observer);
            count++;
        }

        cancellationToken.ThrowIfCancellationRequested();
        return count;
    }

    public void Dispose()
    {
        session.Dispose();
        sessionOptions.Dispose();
        runOptions.Dispose();
    }

    private void Run(CalibrationSample sample, ITensorObserver observer)
    {
        var inputs = binder.Bind(sample);
        try
        {
            foreach (var (tensor, input) in inputTensors)
            {
                var data = sample.Inputs[input];
                if (data.ElementType != OnnxElementType.Float)
                {
                    throw new QuantizationException($"{sample.Source}: input '{input}' is {SampleBinder.TypeName(data.ElementType)}; only FLOAT tensors are quantized");
                }

                observer.Observe(tensor, MemoryMarshal.Cast<byte, float>(data.Data.AsSpan()));
            }

            if (outputNames.Length == 0)
            {
                return;
            }

            using var results = Execute(sample, inputs);
            for (var i = 0; i < outputNames.Length; i++)
            {
                var value = results[i];
                var type = value.GetTensorTypeAndShape().ElementDataType;
                if (type != TensorElementType.Float)
                {
                    throw new QuantizationException($"tensor '{outputNames[i]}' is {type}, not FLOAT; only FLOAT tensors are quantized");
                }

                observer.Observe(outputTensors[i], value.GetTensorDataAsSpan<float>());
            }
        }
        finally
        {
            foreach (var input in inputs)
            {
                input.Dispose();
            }
        }
    }

    private IDisposableReadOnlyCollection<OrtValue> Execute(CalibrationSample sample, OrtValue[] inputs)
    {
        try
        {
            return session.Run(runOptions, binder.Names, inputs, outputNames);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new QuantizationException($"{sample.Source}: the fp32 model failed on this sample: {ex.Message}", ex);
        }
    }

    private static float[] Floats(TensorProto tensor)
    {
        if (!tensor.RawData.IsEmpty)
        {
            return MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
        }

        return [.. tensor.FloatData];
    }
}
