using Microsoft.ML.OnnxRuntime;

namespace EdgeAi.Quantization;

/// <summary>
/// ONNX Runtime's basic graph optimization (constant folding, BatchNorm folded into Conv, redundant nodes removed)
/// written back as a model: portable (no hardware-specific kernels, unlike the extended and all levels), and the
/// graph the quantizer calibrates and rewrites.
/// </summary>
internal static class GraphOptimizer
{
    public static byte[] Optimize(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var directory = Directory.CreateTempSubdirectory("edgeai-quantize-");
        try
        {
            var path = Path.Combine(directory.FullName, "optimized.onnx");
            using (var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC,
                OptimizedModelFilePath = path,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            })
            using (new InferenceSession(model, options))
            {
                // Creating the session writes the optimized model.
            }

            return File.Exists(path)
                ? File.ReadAllBytes(path)
                : throw new QuantizationException("ONNX Runtime did not write the optimized model");
        }
        catch (OnnxRuntimeException ex)
        {
            throw new QuantizationException($"ONNX Runtime cannot load the fp32 model: {ex.Message}", ex);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
