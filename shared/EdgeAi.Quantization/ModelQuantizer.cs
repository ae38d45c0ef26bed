using System.Globalization;
using EdgeAi.Quantization.Accuracy;
using EdgeAi.Quantization.Calibration;
using EdgeAi.Quantization.Hardware;
using EdgeAi.Quantization.Qdq;

namespace EdgeAi.Quantization;

/// <summary>The int8 model and its report.</summary>
public sealed record QuantizationResult(byte[] Model, AccuracyReport Report);

/// <summary>
/// fp32 ONNX in, QDQ INT8 out: basic graph optimization (folds BatchNorm), calibration, QDQ rewrite, accuracy
/// report against fp32 on held-out samples, accuracy-aware fallback until the budget holds, and a timing of
/// both on this machine.
/// </summary>
public static class ModelQuantizer
{
    // The ops whose weights are quantized: the nodes the fallback may put back to fp32.
    private static readonly HashSet<string> WeightedOps = new(StringComparer.Ordinal) { "Conv", "ConvTranspose", "Gemm", "MatMul" };

    public static QuantizationResult Quantize(byte[] fp32Model, ICalibrationSource source, QuantizationOptions options, IProgress<string>? progress, CancellationToken cancellationToken) =>
        Quantize(fp32Model, source, options, progress, TimeProvider.System, cancellationToken);

    /// <summary>As <see cref="Quantize(byte[], ICalibrationSource, QuantizationOptions, IProgress{string}?, CancellationToken)"/>, timed with <paramref name="time"/>.</summary>
    public static QuantizationResult Quantize(
        byte[] fp32Model, ICalibrationSource source, QuantizationOptions options, IProgress<string>? progress, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fp32Model);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var started = time.GetTimestamp();
        var budget = AccuracyBudget.From(options);

        // 1. The model and the set, before any work.
        ModelCheck.EnsureFp32(fp32Model);
        var split = SampleSplit.Of(source, options);
        progress?.Report(string.Create(CultureInfo.InvariantCulture,
            $"model: fp32, {fp32Model.Length / 1e6:0.#} MB; set: {source.Description}: {split.Calibration.Count} to calibrate, {split.Evaluation.Count} to evaluate{(split.HeldOut ? "" : " (the same sample: a set of one cannot hold one out)")}"));

        // 2. Basic optimization: BatchNorm folded into Conv, constants folded.
        cancellationToken.ThrowIfCancellationRequested();
        var optimized = GraphOptimizer.Optimize(fp32Model);
        progress?.Report(string.Create(CultureInfo.InvariantCulture, $"optimized: ONNX Runtime basic graph optimization ({optimized.Length / 1e6:0.#} MB)"));

        // 3. The 8-bit form for this machine.
        var hardware = CpuFeatures.Detect();
        var settings = new QdqSettings(
            options.Activations ?? hardware.Activations, options.ReduceRange ?? hardware.ReduceRange, options.PerChannel, options.ExcludeNodes);
        progress?.Report($"hardware: {hardware.Architecture}, {hardware.Reason}; activations {settings.Activations}{(settings.ReduceRange ? ", reduced range" : "")}{(options.Activations is not null || options.ReduceRange is not null ? " (as told)" : "")}");

        // 4. Calibration of the tensors the rewrite needs.
        cancellationToken.ThrowIfCancellationRequested();
        var plan = QdqQuantizer.Plan(optimized, settings);
        var ranges = new Dictionary<string, TensorRange>(
            ActivationCalibrator.Collect(optimized, plan.Tensors, split.Calibration, options, cancellationToken), StringComparer.Ordinal);
        progress?.Report($"calibrated: {ranges.Count} tensors by {options.Method} over {split.Calibration.Count} samples");

        QdqResult QuantizeExcluding(IReadOnlySet<string> exclude)
        {
            var trial = settings with { ExcludeNodes = exclude };
            var missing = QdqQuantizer.Plan(optimized, trial).Tensors.Where(t => !ranges.ContainsKey(t)).ToArray();
            if (missing.Length > 0)
            {
                foreach (var (name, range) in ActivationCalibrator.Collect(optimized, missing, split.Calibration, options, cancellationToken))
                {
                    ranges[name] = range;
                }
            }

            return QdqQuantizer.Apply(optimized, ranges, trial);
        }

        // 5. The rewrite, and its accuracy against fp32 on the held-out samples.
        var result = QdqQuantizer.Apply(optimized, ranges, settings);
        progress?.Report($"quantized: {result.QuantizedNodes.Count} nodes, {result.Fp32Nodes.Count} fp32");
        var baseline = EvaluationBaseline.Create(optimized, split.Evaluation.Read(), cancellationToken);
        var outputs = baseline.Compare(result.Model, cancellationToken);
        progress?.Report($"accuracy on {baseline.Count} samples: {AccuracyBudget.Summarize(outputs)}");

        // 6. The accuracy-aware fallback.
        IReadOnlyList<string> fallback = [];
        if (budget.IsSet && !budget.IsMet(outputs))
        {
            var quantized = result.QuantizedNodes.ToHashSet(StringComparer.Ordinal);
            var candidates = plan.Nodes
                .Where(n => WeightedOps.Contains(n.OpType) && quantized.Contains(n.Name) && !options.ExcludeNodes.Contains(n.Name))
                .Select(n => n.Name)
                .ToArray();
            var outcome = FallbackSearch.Run(
                candidates, options.ExcludeNodes, result, outputs, budget, QuantizeExcluding, m => baseline.Compare(m.Model, cancellationToken), progress, cancellationToken);
            (result, outputs, fallback) = (outcome.Model, outcome.Outputs, outcome.FallbackNodes);
        }

        if (budget.IsSet)
        {
            progress?.Report($"budget ({budget}) met{(fallback.Count > 0 ? $" with {fallback.Count} node(s) back in fp32: {string.Join(", ", fallback)}" : "")}");
        }

        // 7. Speed on this machine.
        SpeedCheck? speed = null;
        if (!options.SkipSpeedCheck)
        {
            speed = SpeedMeter.Measure(optimized, result.Model, baseline.First, time, cancellationToken: cancellationToken);
            var note = speed.Ratio >= 1 ? "; the int8 model is not faster than fp32 on this machine" : "";
            progress?.Report(string.Create(CultureInfo.InvariantCulture,
                $"speed: fp32 {speed.Fp32P50Ms:0.##} ms, int8 {speed.Int8P50Ms:0.##} ms p50 over {speed.Runs} runs, {Environment.ProcessorCount} threads (×{speed.Ratio:0.##}){note}"));
        }

        var report = new AccuracyReport
        {
            Method = options.Method.ToString(),
            Activations = settings.Activations,
            ReduceRange = settings.ReduceRange,
            PerChannel = settings.PerChannel,
            CalibrationSamples = split.Calibration.Count,
            EvaluationSamples = baseline.Count,
            Outputs = outputs,
            QuantizedNodes = result.QuantizedNodes.Count,
            Fp32Nodes = result.Fp32Nodes,
            FallbackNodes = fallback,
            BudgetMet = true,
            Speed = speed,
            Hardware = hardware,
            Seconds = time.GetElapsedTime(started).TotalSeconds,
        };
        progress?.Report(string.Create(CultureInfo.InvariantCulture, $"done in {report.Seconds:0.#} s"));
        return new QuantizationResult(result.Model, report);
    }
}
