using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeAi.Agent.Pipelines;
using EdgeAi.Common.Onnx;
using EdgeAi.Quantization;
using EdgeAi.Quantization.Accuracy;
using EdgeAi.Quantization.Calibration;
using EdgeAi.Quantization.Inputs;
using Microsoft.ML.OnnxRuntime;

namespace EdgeAi.Agent.Cli;

/// <summary>The quantizer as the command calls it: <see cref="ModelQuantizer.Quantize"/>, or a stand-in in tests.</summary>
internal delegate QuantizationResult Quantizer(byte[] fp32Model, ICalibrationSource source, QuantizationOptions options, IProgress<string>? progress, CancellationToken cancellationToken);

/// <summary>
/// <c>edge-agent models quantize IN.onnx --out OUT.onnx --calibration DIR</c>: static INT8 (QDQ) quantization with
/// the report of what it cost. The model and the report are written (temp file, then rename) only when everything
/// succeeded; on any error nothing is written, the message goes to stderr and the exit code is 1, as for the other
/// commands (the parser's own usage errors are 1 too).
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create() => Create(ModelQuantizer.Quantize, AgentCli.LocalConfiguration);

    public static Command Create(Quantizer quantize, Func<ParseResult, IConfiguration> configuration)
    {
        ArgumentNullException.ThrowIfNull(quantize);
        ArgumentNullException.ThrowIfNull(configuration);
        var input = new Argument<FileInfo>("model") { Description = "The fp32 .onnx model to quantize." };
        var output = new Option<FileInfo>("--out", "-o") { Description = "The INT8 (QDQ) .onnx file to write; written only when quantization succeeds.", Required = true };
        var calibration = new Option<DirectoryInfo>("--calibration", "-c")
        {
            Description = "Calibration directory: *.npy tensors (one file per sample; sub-folders holding {input}.npy per input for several inputs) "
                + "or .jpg/.jpeg/.png images pre-processed by --pipeline or the directory's preprocess.json. The last --eval-samples samples measure accuracy.",
            Required = true,
        };
        var pipeline = new Option<string?>("--pipeline") { Description = "Pre-process images as the configured pipeline NAME does (Pipelines:NAME:Resize and Normalize)." };
        var method = new Option<string>("--method") { Description = "Calibration: minmax, percentile or entropy (KL).", DefaultValueFactory = _ => "minmax" };
        method.AcceptOnlyFromAmong("minmax", "percentile", "entropy");
        var percentile = new Option<double?>("--percentile") { Description = "For --method percentile: the share of values (0–100] the range keeps (default 99.999)." };
        var activations = new Option<string?>("--activations") { Description = "Activation type: int8 or uint8 (default: chosen for this CPU)." };
        activations.AcceptOnlyFromAmong("int8", "uint8");
        var reduceRange = new Option<bool?>("--reduce-range") { Description = "7-bit weights, so U8S8 kernels without VNNI cannot saturate: true or false (default: chosen for this CPU)." };
        var perTensor = new Option<bool>("--per-tensor") { Description = "One weight scale per tensor instead of per output channel." };
        var exclude = new Option<string[]>("--exclude") { Description = "Nodes that stay fp32: NODE[,NODE...] (repeatable).", AllowMultipleArgumentsPerToken = false };
        var maxCosineDrop = new Option<double?>("--max-cosine-drop") { Description = "Budget: the largest 1 − cosine allowed for any output; worst nodes go back to fp32 until it holds." };
        var minTop1 = new Option<double?>("--min-top1-agreement") { Description = "Budget: the smallest top-1 agreement (0–1) with fp32 allowed for a classifier output." };
        var evalSamples = new Option<int?>("--eval-samples") { Description = "Samples kept out of calibration to measure accuracy on (default 20)." };
        var report = new Option<FileInfo?>("--report") { Description = "Also write the accuracy report as JSON to this file." };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON on stdout (progress stays on stderr)." };
        var command = new Command(
            "quantize",
            "Quantize an fp32 ONNX model to INT8 (QDQ): calibrate on DIR, compare with fp32 on held-out samples (cosine, error, top-1), "
            + "keep the costliest nodes fp32 until a budget holds, and time both on this machine. Exit code 0: written; 1: an error, nothing written.")
        {
            input, output, calibration, pipeline, method, percentile, activations, reduceRange, perTensor, exclude, maxCosineDrop, minTop1, evalSamples, report, json,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            try
            {
                var request = new QuantizeRequest(
                    parse.GetRequiredValue(input).FullName,
                    parse.GetRequiredValue(output).FullName,
                    parse.GetRequiredValue(calibration).FullName,
                    parse.GetValue(report)?.FullName,
                    parse.GetValue(json),
                    Options(parse.GetRequiredValue(method), parse.GetValue(percentile), parse.GetValue(activations), parse.GetValue(reduceRange), parse.GetValue(perTensor),
                        parse.GetValue(exclude) ?? [], parse.GetValue(maxCosineDrop), parse.GetValue(minTop1), parse.GetValue(evalSamples)));
                var images = parse.GetValue(pipeline) is { } name ? PreprocessingOf(configuration(parse), name) : null;
                return Task.FromResult(Run(request, images, quantize, stdout, stderr, cancellationToken));
            }
            catch (UsageException e)
            {
                stderr.WriteLine($"edge-agent: {e.Message}");
                return Task.FromResult(1);
            }
        });
        return command;
    }

    /// <summary>What one run was asked: paths and the quantizer's options.</summary>
    internal sealed record QuantizeRequest(string Input, string Output, string Calibration, string? Report, bool Json, QuantizationOptions Options);

    internal static int Run(QuantizeRequest request, ImagePreprocessing? images, Quantizer quantize, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(quantize);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            if (string.Equals(request.Input, request.Output, StringComparison.Ordinal))
            {
                throw new UsageException($"--out {request.Output} is the input model; write the INT8 model to another file");
            }
            if (Path.GetDirectoryName(request.Output) is { } outDir && !Directory.Exists(outDir))
            {
                throw new UsageException($"--out {request.Output}: directory {outDir} does not exist");
            }
            var model = ReadModel(request.Input);
            var source = CalibrationDirectory.Open(request.Calibration, model, images);
            stderr.WriteLine($"calibration: {source.Description}");
            var result = quantize(model, source, request.Options, new LineProgress(stderr), cancellationToken);
            if (!result.Report.BudgetMet)
            {
                WriteReport(stdout, request, result, model.Length, source);
                throw new QuantizationException(
                    $"the accuracy budget is not met even with {result.Report.FallbackNodes.Count} nodes back in fp32 (see the report); nothing was written: loosen --max-cosine-drop / --min-top1-agreement or calibrate with --method percentile or entropy");
            }
            AtomicFile.Write(request.Output, result.Model);
            if (request.Report is { } reportPath)
            {
                AtomicFile.Write(reportPath, JsonSerializer.SerializeToUtf8Bytes(result.Report, QuantizationJson.Default.AccuracyReport));
            }
            WriteReport(stdout, request, result, model.Length, source);
            return 0;
        }
        catch (Exception e) when (e is QuantizationException or UsageException or OnnxRuntimeException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"edge-agent: {(e is OnnxRuntimeException ? "ONNX Runtime: " + e.Message.Split('\n', 2)[0] : e.Message)}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("edge-agent: cancelled; nothing was written");
            return 1;
        }
    }

    private static void WriteReport(TextWriter stdout, QuantizeRequest request, QuantizationResult result, long fp32Bytes, ICalibrationSource source)
    {
        if (request.Json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(result.Report, QuantizationJson.Default.AccuracyReport));
            return;
        }
        QuantizeReport.Write(stdout, new QuantizeReport.Run(request.Input, request.Output, fp32Bytes, result.Model.Length, source.Description, request.Options), result.Report);
    }

    private static byte[] ReadModel(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"model file not found: {path}");
        }
        var model = File.ReadAllBytes(path);
        try
        {
            OnnxModelReader.Read(model);
        }
        catch (InvalidOnnxModelException e)
        {
            throw new UsageException($"{path}: {e.Message}");
        }
        return model;
    }

    internal static QuantizationOptions Options(
        string method, double? percentile, string? activations, bool? reduceRange, bool perTensor, IEnumerable<string> exclude, double? maxCosineDrop, double? minTop1, int? evalSamples)
    {
        var options = new QuantizationOptions
        {
            Method = method switch
            {
                "percentile" => CalibrationMethod.Percentile,
                "entropy" => CalibrationMethod.Entropy,
                _ => CalibrationMethod.MinMax,
            },
            Activations = activations switch
            {
                "int8" => ActivationType.Int8,
                "uint8" => ActivationType.UInt8,
                _ => null,
            },
            ReduceRange = reduceRange,
            PerChannel = !perTensor,
            ExcludeNodes = exclude.SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal),
            MaxCosineDrop = maxCosineDrop,
            MinTop1Agreement = minTop1,
        };
        if (percentile is { } p)
        {
            if (method != "percentile")
            {
                throw new UsageException($"--percentile {Number(p)} is for --method percentile (the method is {method})");
            }
            options.Percentile = p is > 0 and <= 100 ? p : throw new UsageException($"--percentile must be in (0, 100]; it is {Number(p)}");
        }
        if (maxCosineDrop is < 0 or > 2)
        {
            throw new UsageException($"--max-cosine-drop must be in [0, 2] (1 − cosine); it is {Number(maxCosineDrop.Value)}");
        }
        if (minTop1 is < 0 or > 1)
        {
            throw new UsageException($"--min-top1-agreement must be in [0, 1]; it is {Number(minTop1.Value)}");
        }
        if (evalSamples is { } n)
        {
            options.EvaluationSamples = n >= 1 ? n : throw new UsageException($"--eval-samples must be at least 1; it is {n}");
        }
        return options;
    }

    /// <summary>A configured pipeline's resize and normalize steps, as the agent's <c>run</c> binds them.</summary>
    internal static ImagePreprocessing PreprocessingOf(IConfiguration configuration, string name)
    {
        var pipelines = PipelineListing.Read(configuration).Pipelines;
        if (!pipelines.TryGetValue(name, out var p))
        {
            throw new UsageException(pipelines.Count == 0
                ? $"--pipeline {name}: no pipelines are configured (Pipelines:* in appsettings.json or EDGEAI_Pipelines__*)"
                : $"--pipeline {name}: no such pipeline; configured: {string.Join(", ", pipelines.Keys.Order(StringComparer.Ordinal))}");
        }
        return new ImagePreprocessing(
            p.Resize.Width, p.Resize.Height, p.Resize.Mode == ResizeMode.Letterbox, p.Resize.Fill, p.Normalize.Scale, p.Normalize.Mean, p.Normalize.Std,
            p.Normalize.Order == ChannelOrder.Bgr, p.Normalize.Layout == TensorLayout.Nhwc, p.Normalize.Input);
    }

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Progress lines as they come, in order (<see cref="Progress{T}"/> would post them to the thread pool).</summary>
    private sealed class LineProgress(TextWriter writer) : IProgress<string>
    {
        public void Report(string value) => writer.WriteLine(value);
    }
}

/// <summary>Bad usage: an option out of range, a missing file, an unknown pipeline.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException()
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
