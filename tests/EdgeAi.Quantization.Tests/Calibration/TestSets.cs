using System.Runtime.InteropServices;
using EdgeAi.Common.Onnx;
using EdgeAi.Quantization.Calibration;

namespace EdgeAi.Quantization.Tests.Calibration;

/// <summary>An in-memory source whose samples are made on each read (as a directory's would be decoded), counting the passes.</summary>
internal sealed class GeneratedSource : ICalibrationSource
{
    private readonly Func<int, CalibrationSample> make;

    public GeneratedSource(int count, Func<int, CalibrationSample> make)
    {
        Count = count;
        this.make = make;
    }

    public int Count { get; }

    public string Description => $"{Count} test samples";

    public int Reads { get; private set; }

    public int Made { get; private set; }

    public IEnumerable<CalibrationSample> Read()
    {
        Reads++;
        for (var i = 0; i < Count; i++)
        {
            Made++;
            yield return make(i);
        }
    }
}

internal static class TestSets
{
    /// <summary>x FLOAT [batch, 4] → Mul by 2 → "doubled" → Relu → "y".</summary>
    public static byte[] DoubleRelu() => new OnnxModelBuilder("double_relu")
        .Input("x", OnnxElementType.Float, -1, 4)
        .Output("y", OnnxElementType.Float, -1, 4)
        .Initializer("two", [2f])
        .Node("Mul", ["x", "two"], ["doubled"])
        .Node("Relu", ["doubled"], ["y"])
        .ToBytes();

    public static SampleTensor Floats(float[] values, params long[] shape) =>
        new(OnnxElementType.Float, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    public static CalibrationSample Sample(string source, string input, SampleTensor tensor) =>
        new(source, new Dictionary<string, SampleTensor>(StringComparer.Ordinal) { [input] = tensor });

    /// <summary>Rows of 4 values for the model's "x", from <paramref name="values"/> (padded with zeros to whole rows).</summary>
    public static CalibrationSample Rows(string source, float[] values)
    {
        var rows = (values.Length + 3) / 4;
        var padded = new float[rows * 4];
        values.CopyTo(padded, 0);
        return Sample(source, "x", Floats(padded, rows, 4));
    }

    /// <summary>Normal(0, 1) values from a fixed seed (Box–Muller).</summary>
    public static float[] Gaussian(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            var u = 1 - random.NextDouble();
            var v = random.NextDouble();
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v));
        }

        return values;
    }
}
