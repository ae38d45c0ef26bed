using System.Globalization;
using EdgeAi.Quantization;
using EdgeAi.Quantization.Accuracy;

namespace EdgeAi.Agent.Cli;

/// <summary>The readable report of <c>models quantize</c>: what was done, what it cost per output, the form chosen for this CPU and why, and the speed.</summary>
internal static class QuantizeReport
{
    /// <summary>The run around the report: files, sizes, the calibration set.</summary>
    internal sealed record Run(string Input, string Output, long Fp32Bytes, long Int8Bytes, string Calibration, QuantizationOptions Options);

    public static void Write(TextWriter w, Run run, AccuracyReport report)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(report);
        w.WriteLine(report.BudgetMet
            ? $"quantized {run.Input} -> {run.Output} ({ModelsCommand.FormatSize(run.Int8Bytes)}, fp32 {ModelsCommand.FormatSize(run.Fp32Bytes)}) in {N(report.Seconds, "0.0")} s"
            : $"NOT written: {run.Output} (the accuracy budget is not met)");
        w.WriteLine($"  calibration: {run.Calibration}");
        var method = report.Method + (string.Equals(report.Method, nameof(CalibrationMethod.Percentile), StringComparison.OrdinalIgnoreCase) ? $" {N(run.Options.Percentile, "0.####")}%" : "");
        w.WriteLine($"  method {method}: {report.CalibrationSamples} calibration samples, {report.EvaluationSamples} held out for evaluation");
        w.WriteLine($"  form: QDQ, activations {(report.Activations == ActivationType.Int8 ? "INT8" : "UINT8")} (asymmetric), weights INT8 symmetric {(report.PerChannel ? "per channel" : "per tensor")}{(report.ReduceRange ? ", reduced range (7-bit)" : "")}, bias INT32");
        var hw = report.Hardware;
        w.WriteLine($"  hardware: {hw.Architecture}, AVX2 {YesNo(hw.Avx2)}, AVX-512 {YesNo(hw.Avx512)}, VNNI {YesNo(hw.Vnni)}{(hw.ArmDotProduct ? ", ARM dot product" : "")}: {hw.Reason}");
        w.WriteLine($"  nodes: {report.QuantizedNodes} quantized, {report.Fp32Nodes.Count} kept fp32{List(report.Fp32Nodes)}");
        if (report.FallbackNodes.Count > 0)
        {
            w.WriteLine($"  accuracy-aware fallback put {report.FallbackNodes.Count} back in fp32:{List(report.FallbackNodes)}");
        }
        w.WriteLine();
        w.WriteLine($"  {"OUTPUT",-24} {"COSINE",8} {"MIN COS",8} {"MAX ABS ERR",12} {"MEAN ABS ERR",12} {"TOP-1",7}");
        foreach (var o in report.Outputs)
        {
            var top1 = o.Top1Agreement is { } t ? N(t * 100, "0.0") + "%" : "-";
            w.WriteLine($"  {o.Name,-24} {N(o.Cosine, "0.0000"),8} {N(o.MinCosine, "0.0000"),8} {N(o.MaxAbsError, "0.####e0"),12} {N(o.MeanAbsError, "0.####e0"),12} {top1,7}");
        }
        if (report.Outputs.Count > 0)
        {
            var worst = report.Outputs.MinBy(o => o.MinCosine)!;
            w.WriteLine($"  min cosine {N(worst.MinCosine, "0.0000")} ({worst.Name}); {Budget(run.Options, report)}");
        }
        w.WriteLine();
        if (report.Speed is not { } speed)
        {
            w.WriteLine("  speed: not measured");
            return;
        }
        w.WriteLine($"  speed on this machine (batch 1, {speed.Runs} runs): fp32 p50 {N(speed.Fp32P50Ms, "0.00")} ms, int8 p50 {N(speed.Int8P50Ms, "0.00")} ms, ratio {N(speed.Ratio, "0.00")}");
        w.WriteLine(speed.Ratio < 1
            ? $"  int8 is {N(1 / speed.Ratio, "0.0")}× faster than fp32 here"
            : $"  int8 is NOT faster than fp32 on this machine (ratio {N(speed.Ratio, "0.00")}): keep serving the fp32 variant here");
    }

    private static string Budget(QuantizationOptions options, AccuracyReport report)
    {
        var parts = new List<string>();
        if (options.MaxCosineDrop is { } drop)
        {
            parts.Add($"max cosine drop {N(drop, "0.####")}");
        }
        if (options.MinTop1Agreement is { } top1)
        {
            parts.Add($"min top-1 agreement {N(top1, "0.####")}");
        }
        return parts.Count == 0 ? "no accuracy budget given" : $"budget ({string.Join(", ", parts)}) {(report.BudgetMet ? "met" : "NOT met")}";
    }

    private static string List(IReadOnlyList<string> nodes) =>
        nodes.Count == 0 ? "" : ": " + string.Join(", ", nodes.Take(10)) + (nodes.Count > 10 ? $" and {nodes.Count - 10} more" : "");

    private static string YesNo(bool value) => value ? "yes" : "no";

    private static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
