using System.Diagnostics;
using System.Runtime.InteropServices;
using EdgeAi.Agent.Pipelines;
using EdgeAi.Imaging;
using EdgeAi.Bench.Latency;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAi.Bench.Pipeline;

/// <summary>
/// The pipeline's steps on one thread, each timed on its own, run as the agent runs them (the agent's
/// <see cref="ImageDecoder"/>, <see cref="ImageResize"/> and <see cref="PixelNormalizer"/>), then ResNet18 on the
/// tensor they made (bare ONNX Runtime, the agent's session options). Also StbImageSharp's decode of the same JPEG,
/// the managed decoder not chosen, for the README's decoder comparison.
/// </summary>
internal sealed class PreprocessSteps : IDisposable
{
    public const string Decode = "decode 1920×1080 JPEG (header check + ImageSharp 2.1)";
    public const string Resize = "resize to 224×224 (antialiased triangle filter)";
    public const string Normalize = "normalize (BGR, minus mean, NCHW FP32)";
    public const string Total = "pre-processing, all three";
    public const string Model = "ResNet18 inference (bare ONNX Runtime)";
    public const string StbDecode = "for comparison: StbImageSharp 2.30 decode of the same JPEG";

    /// <summary>The ResNet18 featurizer's convention (LIBRARIES.md): BGR, 0..255, minus the per-channel mean, no std.</summary>
    public static readonly NormalizeOptions Caffe = new()
    {
        Scale = 1f,
        Mean = [103.06f, 115.90f, 123.15f],
        Order = ChannelOrder.Bgr,
        Layout = TensorLayout.Nchw,
        Datatype = PixelDatatype.Fp32,
    };

    private readonly byte[] _jpeg;
    private readonly SessionOptions _options;
    private readonly InferenceSession _session;
    private readonly float[] _input = new float[3 * PipelineBenchSettings.TensorSide * PipelineBenchSettings.TensorSide];
    private readonly OrtValue _inputValue;
    private readonly RunOptions _run = new();
    private readonly string[] _inputNames = [ResNet18.InputName];
    private readonly string[] _outputNames;

    public PreprocessSteps(ResNet18 model, byte[] jpeg, int threads)
    {
        _jpeg = jpeg;
        _options = BareOnnxRuntimePath.SessionOptionsFor(threads);
        _session = new InferenceSession(model.Path, _options);
        _inputValue = OrtValue.CreateTensorValueFromMemory(_input, ResNet18.Shape);
        _outputNames = [_session.OutputNames[0]];
    }

    /// <summary>Decode → resize → normalize once: the tensor the pipeline sends its model.</summary>
    public byte[] Tensor()
    {
        var image = ImageDecoder.Decode(_jpeg, ImageLimits.DefaultMaxPixels);
        var side = PipelineBenchSettings.TensorSide;
        return PixelNormalizer.ToTensor(ImageResize.Stretch(image, side, side), side, side, Caffe);
    }

    /// <summary>Each step's times over <paramref name="iterations"/> runs after <paramref name="warmup"/> unmeasured ones.</summary>
    public IReadOnlyList<LatencyStats> Measure(int warmup, int iterations)
    {
        var samples = new Dictionary<string, List<double>>(StringComparer.Ordinal)
        {
            [Decode] = [], [Resize] = [], [Normalize] = [], [Total] = [], [Model] = [], [StbDecode] = [],
        };
        var side = PipelineBenchSettings.TensorSide;
        for (var i = 0; i < warmup + iterations; i++)
        {
            var measured = i >= warmup;
            var start = Stopwatch.GetTimestamp();
            var image = ImageDecoder.Decode(_jpeg, ImageLimits.DefaultMaxPixels);
            var decoded = Stopwatch.GetTimestamp();
            var pixels = ImageResize.Stretch(image, side, side);
            var resized = Stopwatch.GetTimestamp();
            var tensor = PixelNormalizer.ToTensor(pixels, side, side, Caffe);
            var normalized = Stopwatch.GetTimestamp();

            // Into the session's input buffer, outside the timings: the agent hands its tensor to the router instead.
            MemoryMarshal.Cast<byte, float>(tensor).CopyTo(_input);
            var inferStart = Stopwatch.GetTimestamp();
            using (_session.Run(_run, _inputNames, [_inputValue], _outputNames))
            {
            }
            var inferred = Stopwatch.GetTimestamp();

            var stbStart = Stopwatch.GetTimestamp();
            _ = StbImageSharp.ImageResult.FromMemory(_jpeg, StbImageSharp.ColorComponents.RedGreenBlue);
            var stbDone = Stopwatch.GetTimestamp();
            if (!measured)
            {
                continue;
            }
            samples[Decode].Add(Stopwatch.GetElapsedTime(start, decoded).TotalMilliseconds);
            samples[Resize].Add(Stopwatch.GetElapsedTime(decoded, resized).TotalMilliseconds);
            samples[Normalize].Add(Stopwatch.GetElapsedTime(resized, normalized).TotalMilliseconds);
            samples[Total].Add(Stopwatch.GetElapsedTime(start, normalized).TotalMilliseconds);
            samples[Model].Add(Stopwatch.GetElapsedTime(inferStart, inferred).TotalMilliseconds);
            samples[StbDecode].Add(Stopwatch.GetElapsedTime(stbStart, stbDone).TotalMilliseconds);
        }
        return [.. samples.Select(kv => LatencyStats.From(kv.Key, kv.Value))];
    }

    public void Dispose()
    {
        _inputValue.Dispose();
        _run.Dispose();
        _session.Dispose();
        _options.Dispose();
    }
}
