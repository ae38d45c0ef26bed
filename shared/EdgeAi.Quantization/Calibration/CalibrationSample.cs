namespace EdgeAi.Quantization.Calibration;

/// <summary>One tensor of a sample: its ONNX element type (<c>OnnxElementType</c>), shape and little-endian bytes.</summary>
public sealed record SampleTensor(int ElementType, long[] Shape, byte[] Data);

/// <summary>One input set for the model, with where it came from (a file name) for error messages.</summary>
public sealed record CalibrationSample(string Source, IReadOnlyDictionary<string, SampleTensor> Inputs);

/// <summary>
/// Calibration and evaluation samples, read lazily so a large set is never held in memory at once. It can be
/// enumerated more than once (Percentile and Entropy take two passes); each pass yields the same samples in order.
/// </summary>
public interface ICalibrationSource
{
    /// <summary>How many samples the source holds (known without decoding them).</summary>
    int Count { get; }

    /// <summary>A short description for messages and the report ("34 images in calib/ via pipeline resnet").</summary>
    string Description { get; }

    IEnumerable<CalibrationSample> Read();
}

/// <summary>The quantization range observed for one tensor.</summary>
public readonly record struct TensorRange(float Min, float Max);
