using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using EdgeAi.Bench.Latency;
using EdgeAi.Quantization;
using EdgeAi.Quantization.Accuracy;
using EdgeAi.Quantization.Calibration;
using EdgeAi.Quantization.Inputs;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAi.Bench.Quantize;

/// <summary>
/// The quantize benchmark: ResNet18 (the NuGet featurizer's file, Caffe-style input) quantized with calibration crops of
/// real photos, then fp32 and int8 timed with the same session options (batch 1, interleaved rounds) and compared on
/// held-out photos that no calibration crop came from. Progress on stderr, the report (markdown) on stdout.
/// </summary>
internal static class QuantizeRun
{
    private const int Rounds = 5;

    /// <summary>The featurizer's convention (LIBRARIES.md): BGR, 0–255, minus the per-channel mean, no std, 224 × 224.</summary>
    public static readonly ImagePreprocessing Caffe = new(224, 224, false, 0, 1f, [103.06f, 115.90f, 123.15f], [], Bgr: true, Nhwc: false, null);

    public static int Run(QuantizeBenchSettings settings, CancellationToken cancellationToken)
    {
        var progress = Console.Error;
        var model = ResNet18.Load();
        var fp32 = File.ReadAllBytes(model.Path);
        using var photos = CalibrationPhotos.Make(settings.CalibrationImages);
        progress.WriteLine($"model: {model.Path}; {settings.CalibrationImages} calibration crops of {photos.Sources.Count} photos, {photos.Evaluation.Count} held out: {string.Join(", ", photos.Evaluation)}");

        var source = CalibrationDirectory.Open(photos.Directory, fp32, Caffe);
        var options = new QuantizationOptions
        {
            Method = Enum.Parse<CalibrationMethod>(settings.Method, ignoreCase: true),
            EvaluationSamples = photos.Evaluation.Count,
            MaxCalibrationSamples = Math.Max(settings.CalibrationImages, 1),
            // Timed below, with --runs, beside the same options for both models.
            SkipSpeedCheck = true,
        };
        var started = Stopwatch.GetTimestamp();
        var result = ModelQuantizer.Quantize(fp32, source, options, new Progress(progress), cancellationToken);
        var quantizeSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        progress.WriteLine($"quantized in {quantizeSeconds:0.0} s: {result.Report.QuantizedNodes} nodes, {result.Report.Fp32Nodes.Count} kept fp32");

        var held = source.Read().Skip(source.Count - photos.Evaluation.Count).Select(s => Floats(s)).ToList();
        using var fp32Session = new InferenceSession(fp32, BareOnnxRuntimePath.SessionOptionsFor(settings.Threads));
        using var int8Session = new InferenceSession(result.Model, BareOnnxRuntimePath.SessionOptionsFor(settings.Threads));
        var cosines = held.Select(input => Cosine(Infer(fp32Session, input), Infer(int8Session, input))).ToList();
        progress.WriteLine($"cosine over {cosines.Count} held-out photos: mean {cosines.Average():0.0000}, min {cosines.Min():0.0000}");

        var (fp32Stats, int8Stats) = Time(fp32Session, int8Session, held[0], settings, progress, cancellationToken);
        Console.Out.WriteLine();
        Write(Console.Out, settings, photos, quantizeSeconds, fp32.Length, result, fp32Stats, int8Stats, cosines);
        return 0;
    }

    private static (LatencyStats Fp32, LatencyStats Int8) Time(
        InferenceSession fp32, InferenceSession int8, float[] input, QuantizeBenchSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        for (var i = 0; i < settings.Warmup; i++)
        {
            Infer(fp32, input);
            Infer(int8, input);
        }
        var fp32Ms = new List<double>();
        var int8Ms = new List<double>();
        var rounds = Math.Min(Rounds, settings.Runs);
        for (var round = 0; round < rounds; round++)
        {
            var runs = settings.Runs / rounds + (round < settings.Runs % rounds ? 1 : 0);
            foreach (var (session, times) in new[] { (fp32, fp32Ms), (int8, int8Ms) })
            {
                cancellationToken.ThrowIfCancellationRequested();
                Infer(session, input); // re-warm after the other model's turn
                for (var i = 0; i < runs; i++)
                {
                    var t = Stopwatch.GetTimestamp();
                    Infer(session, input);
                    times.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                }
            }
            progress.WriteLine($"  round {round + 1}/{rounds}: fp32 {fp32Ms.Count}, int8 {int8Ms.Count} runs");
        }
        return (LatencyStats.From("fp32", fp32Ms), LatencyStats.From("int8 (QDQ)", int8Ms));
    }

    private static float[] Floats(CalibrationSample sample) =>
        MemoryMarshal.Cast<byte, float>(sample.Inputs[ResNet18.InputName].Data.AsSpan()).ToArray();

    private static float[] Infer(InferenceSession session, float[] input)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, ResNet18.Shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [ResNet18.InputName], [value], [session.OutputNames[0]]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return na == 0 || nb == 0 ? (na == nb ? 1 : 0) : dot / Math.Sqrt(na * nb);
    }

    private static void Write(TextWriter output, QuantizeBenchSettings settings, CalibrationPhotos photos, double seconds, long fp32Bytes, QuantizationResult result,
        LatencyStats fp32, LatencyStats int8, IReadOnlyList<double> cosines)
    {
        var report = result.Report;
        var hw = report.Hardware;
        var ratio = int8.P50Ms / fp32.P50Ms;
        string Line(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
        output.WriteLine(BenchRun.Describe());
        output.WriteLine(Line($"ResNet18 (the NuGet featurizer's fp32 file) quantized to INT8 QDQ with {settings.CalibrationImages} calibration images (crops and mirror images of {photos.Sources.Count} real photos), method {report.Method}, evaluated on {photos.Evaluation.Count} held-out photos no crop came from. Batch 1, {settings.Threads} intra-op thread(s), ORT_ENABLE_ALL, {settings.Runs} timed runs per model in {Math.Min(Rounds, settings.Runs)} interleaved rounds after {settings.Warmup} warm-up."));
        output.WriteLine();
        output.WriteLine("| Model | size (MiB) | p50 (ms) | p99 (ms) | mean (ms) | p50 vs fp32 |");
        output.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        output.WriteLine(Line($"| fp32 | {fp32Bytes / 1048576.0:0.0} | {fp32.P50Ms:0.00} | {fp32.P99Ms:0.00} | {fp32.MeanMs:0.00} | 1.00× |"));
        output.WriteLine(Line($"| int8 (QDQ) | {result.Model.Length / 1048576.0:0.0} | {int8.P50Ms:0.00} | {int8.P99Ms:0.00} | {int8.MeanMs:0.00} | {ratio:0.00}× |"));
        output.WriteLine();
        output.WriteLine("| Measure | value |");
        output.WriteLine("| --- | --- |");
        output.WriteLine(Line($"| quantization time ({settings.CalibrationImages} calibration images, {report.CalibrationSamples} used) | {seconds:0.0} s |"));
        output.WriteLine(Line($"| output cosine vs fp32, held-out photos (mean / min, measured here) | {cosines.Average():0.0000} / {cosines.Min():0.0000} |"));
        foreach (var o in report.Outputs)
        {
            output.WriteLine(Line($"| quantizer's report, output {o.Name} (cosine / min / max abs err) | {o.Cosine:0.0000} / {o.MinCosine:0.0000} / {o.MaxAbsError:0.###} |"));
        }
        output.WriteLine(Line($"| nodes quantized / kept fp32 | {report.QuantizedNodes} / {report.Fp32Nodes.Count} |"));
        output.WriteLine(Line($"| hardware | {hw.Architecture}, AVX2 {hw.Avx2}, AVX-512 {hw.Avx512}, VNNI {hw.Vnni}: {(hw.Activations == ActivationType.Int8 ? "S8S8" : "U8S8")}{(hw.ReduceRange ? ", reduced range" : "")} ({hw.Reason}) |"));
        output.WriteLine(Line($"| target int8 p50 ≤ 0.5× fp32 | {(ratio <= 0.5 ? "met" : "missed")} ({ratio:0.00}×) |"));
        output.WriteLine(Line($"| target cosine ≥ 0.99 | {(cosines.Min() >= 0.99 ? "met" : cosines.Average() >= 0.99 ? "met on average, not by every photo" : "missed")} |"));
        if (ratio >= 1)
        {
            output.WriteLine();
            output.WriteLine(Line($"int8 is NOT faster than fp32 on this machine ({ratio:0.00}×)."));
        }
        output.WriteLine();
        output.WriteLine(settings.CommandLine);
    }

    /// <summary>The quantizer's progress on stderr, as it comes.</summary>
    private sealed class Progress(TextWriter writer) : IProgress<string>
    {
        public void Report(string value) => writer.WriteLine($"  {value}");
    }
}
