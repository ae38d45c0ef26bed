using System.Reflection;
using EdgeAi.Quantization.Qdq;
using EdgeAi.Testing;
using Microsoft.ML.OnnxRuntime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace EdgeAi.Quantization.Tests.Qdq;

/// <summary>The real model: the ResNet18 featurizer (IR 3, opset 8) after ORT's basic optimization, calibrated on real photos.</summary>
public sealed class ResNet18QdqTests(ITestOutputHelper output)
{
    private static readonly string[] Calibration = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png", "hubble_deep_field.jpg"];
    private static readonly string[] Evaluation = ["retina.jpg", "brick.png", "grass.png"];
    private static readonly long[] Shape = [1, 3, 224, 224];

    private static readonly Lazy<byte[]> Optimized = new(() =>
        OrtHarness.OptimizedBytes(File.ReadAllBytes(ModelPath()), GraphOptimizationLevel.ORT_ENABLE_BASIC));

    [Fact]
    public void Plan_ResNet18_ListsItsConvsInGraphOrder()
    {
        var plan = QdqQuantizer.Plan(Optimized.Value, Settings());

        var convs = plan.Nodes.Count(n => n.OpType == "Conv");
        convs.ShouldBeInRange(20, 22);
        plan.Nodes.ShouldContain(n => n.OpType == "Add");
        plan.Nodes.ShouldContain(n => n.OpType == "MaxPool");
        plan.Tensors.Count.ShouldBeGreaterThan(convs);
    }

    [Fact]
    public void Apply_ResNet18CalibratedOnPhotos_FusesIntoQLinearConvAndStaysClose()
    {
        var model = Optimized.Value;
        var settings = Settings();
        var plan = QdqQuantizer.Plan(model, settings);
        var input = InputName(model);
        var ranges = OrtHarness.MinMax(model, plan.Tensors, input, Calibration.Select(Photo), Shape);

        var result = QdqQuantizer.Apply(model, ranges, settings);

        result.OpsetRaised.ShouldBe((8L, 13L));
        result.QuantizedNodes.Count.ShouldBe(plan.Nodes.Count);
        var ops = OrtHarness.OptimizedOps(result.Model);
        ops.Count(o => o == "QLinearConv").ShouldBe(plan.Nodes.Count(n => n.OpType == "Conv"), string.Join(", ", ops.Distinct()));
        ops.ShouldNotContain("Conv");
        ops.ShouldContain("com.microsoft.QLinearAdd");
        output.WriteLine($"{plan.Nodes.Count} nodes quantized ({plan.Nodes.Count(n => n.OpType == "Conv")} Conv), {plan.Tensors.Count} tensors calibrated; optimized graph: "
            + string.Join(", ", ops.GroupBy(o => o).Select(g => $"{g.Key} ×{g.Count()}")));
        foreach (var name in Evaluation)
        {
            var photo = Photo(name);
            var expected = OrtHarness.Run(model, input, photo, Shape).Values.First();
            var actual = OrtHarness.Run(result.Model, input, photo, Shape).Values.First();
            var cosine = OrtHarness.Cosine(expected, actual);
            output.WriteLine($"{name}: cosine {cosine:F5}");
            cosine.ShouldBeGreaterThan(0.98, name);
        }

        // A figure for the report, not a gate: this shared machine's timings vary too much to assert on.
        output.WriteLine($"p50 one thread, batch 1: fp32 {P50(model, input):F1} ms, int8 {P50(result.Model, input):F1} ms");
    }

    private static double P50(byte[] model, string input)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var value = OrtValue.CreateTensorValueFromMemory(Photo(Evaluation[0]), Shape);
        using var runOptions = new RunOptions();
        var times = new List<double>();
        for (var i = 0; i < 23; i++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            using var outputs = session.Run(runOptions, [input], [value], session.OutputNames);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        return times.Skip(3).Order().ElementAt(10);
    }

    private static QdqSettings Settings() => new(ActivationType.UInt8, false, true, new HashSet<string>());

    private static string InputName(byte[] model)
    {
        using var session = new InferenceSession(model);
        return session.InputNames.Single();
    }

    // The featurizer's convention (LIBRARIES.md): BGR, 0..255, minus the per-channel mean, 224×224, NCHW.
    private static float[] Photo(string name)
    {
        float[] mean = [103.06f, 115.90f, 123.15f];
        using var image = Image.Load<Rgb24>(TestImages.PathOf(name));
        image.Mutate(x => x.Resize(224, 224, KnownResamplers.Triangle));
        var data = new float[3 * 224 * 224];
        for (var y = 0; y < 224; y++)
        {
            for (var x = 0; x < 224; x++)
            {
                var p = image[x, y];
                var i = (y * 224) + x;
                data[i] = p.B - mean[0];
                data[(224 * 224) + i] = p.G - mean[1];
                data[(2 * 224 * 224) + i] = p.R - mean[2];
            }
        }

        return data;
    }

    private static string ModelPath() =>
        typeof(ResNet18QdqTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ResNet18Path").Value!;
}
