using System.CommandLine;
using System.Text;
using System.Text.Json;
using EdgeAi.Agent.Cli;
using EdgeAi.Common.Onnx;
using EdgeAi.Quantization;
using EdgeAi.Quantization.Accuracy;
using EdgeAi.Quantization.Calibration;
using EdgeAi.Quantization.Hardware;
using Microsoft.Extensions.Configuration;

namespace EdgeAi.Agent.Tests.Cli;

/// <summary>
/// The command around the quantizer: options in, files out only on success, the report. The quantizer itself is a
/// stand-in here (its own tests are in EdgeAi.Quantization.Tests); it records what it was given.
/// </summary>
public sealed class QuantizeCommandTests : IDisposable
{
    private static readonly byte[] Int8Model = Encoding.ASCII.GetBytes("int8 model bytes");

    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-quantize-cli-").FullName;
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();
    private QuantizationOptions? _options;
    private ICalibrationSource? _source;

    public QuantizeCommandTests()
    {
        File.WriteAllBytes(Path.Combine(_dir, "fp32.onnx"), SampleModels.Classifier());
        Directory.CreateDirectory(Path.Combine(_dir, "calib"));
        for (var i = 0; i < 3; i++)
        {
            File.WriteAllBytes(Path.Combine(_dir, "calib", $"s{i}.npy"), Npy([i, i + 1, i + 2, i + 3]));
        }
    }

    public void Dispose()
    {
        _out.Dispose();
        _err.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string At(string name) => Path.Combine(_dir, name);

    private static AccuracyReport Report(bool budgetMet = true, SpeedCheck? speed = null) => new()
    {
        Method = "MinMax",
        Activations = ActivationType.Int8,
        ReduceRange = false,
        PerChannel = true,
        CalibrationSamples = 2,
        EvaluationSamples = 1,
        Outputs = [new OutputAccuracy("probabilities", 0.9987, 0.9951, 0.0123, 0.0021, 1.0)],
        QuantizedNodes = 2,
        Fp32Nodes = ["softmax_1"],
        FallbackNodes = [],
        BudgetMet = budgetMet,
        Speed = speed ?? new SpeedCheck(20.0, 24.0, 50),
        Hardware = new HardwareProfile("X64", true, true, true, false, ActivationType.Int8, false, "VNNI: S8S8 without reduced range"),
        Seconds = 1.5,
    };

    private int Invoke(Func<QuantizationResult> result, IConfiguration? configuration, params string[] args)
    {
        Quantizer quantize = (model, source, options, progress, token) =>
        {
            _options = options;
            _source = source;
            progress?.Report("calibrating");
            return result();
        };
        var root = new RootCommand { QuantizeCommand.Create(quantize, _ => configuration ?? new ConfigurationBuilder().Build()) };
        return root.Parse(args).Invoke(new InvocationConfiguration { Output = _out, Error = _err });
    }

    private int Invoke(params string[] args) => Invoke(() => new QuantizationResult(Int8Model, Report()), null, args);

    private string[] Basic(params string[] more) => ["quantize", At("fp32.onnx"), "--out", At("int8.onnx"), "--calibration", At("calib"), .. more];

    [Fact]
    public void Quantize_Succeeds_WritesTheModelAndTheReportAndNoTempFile()
    {
        var code = Invoke(Basic("--report", At("report.json")));

        code.ShouldBe(0, _err.ToString());
        File.ReadAllBytes(At("int8.onnx")).ShouldBe(Int8Model);
        using var report = JsonDocument.Parse(File.ReadAllText(At("report.json")));
        report.RootElement.GetProperty("activations").GetString().ShouldBe("Int8");
        report.RootElement.GetProperty("outputs")[0].GetProperty("minCosine").GetDouble().ShouldBe(0.9951);
        report.RootElement.GetProperty("hardware").GetProperty("reason").GetString().ShouldBe("VNNI: S8S8 without reduced range");
        Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal).ShouldBe(["fp32.onnx", "int8.onnx", "report.json"]);
        _source!.Count.ShouldBe(3);
        _err.ToString().ShouldContain("calibrating");
    }

    [Fact]
    public void Quantize_Report_ShowsAccuracyNodesHardwareAndSlowerInt8()
    {
        Invoke(Basic()).ShouldBe(0);

        var text = _out.ToString();
        text.ShouldContain("probabilities");
        text.ShouldContain("0.9987");
        text.ShouldContain("min cosine 0.9951 (probabilities); no accuracy budget given");
        text.ShouldContain("1 kept fp32: softmax_1");
        text.ShouldContain("VNNI yes: VNNI: S8S8 without reduced range");
        text.ShouldContain("fp32 p50 20.00 ms, int8 p50 24.00 ms, ratio 1.20");
        text.ShouldContain("int8 is NOT faster than fp32 on this machine");
    }

    [Fact]
    public void Quantize_FasterInt8_SaysHowMuch()
    {
        Invoke(() => new QuantizationResult(Int8Model, Report(speed: new SpeedCheck(20, 8, 50))), null, Basic()).ShouldBe(0);

        _out.ToString().ShouldContain("int8 is 2.5× faster than fp32 here");
    }

    [Fact]
    public void Quantize_Json_PrintsTheReportOnStdout()
    {
        Invoke(Basic("--json")).ShouldBe(0);

        using var json = JsonDocument.Parse(_out.ToString());
        json.RootElement.GetProperty("quantizedNodes").GetInt32().ShouldBe(2);
    }

    [Fact]
    public void Quantize_QuantizerRefuses_ExitsOneAndLeavesTheOldFileAlone()
    {
        File.WriteAllText(At("int8.onnx"), "previous");

        var code = Invoke(() => throw new QuantizationException("the model has no quantizable op (Conv, MatMul, Gemm)"), null, Basic("--report", At("report.json")));

        code.ShouldBe(1);
        _err.ToString().ShouldContain("edge-agent: the model has no quantizable op (Conv, MatMul, Gemm)");
        File.ReadAllText(At("int8.onnx")).ShouldBe("previous");
        File.Exists(At("report.json")).ShouldBeFalse();
        Directory.GetFiles(_dir).Length.ShouldBe(2);
    }

    [Fact]
    public void Quantize_BudgetNotMet_WritesNothing()
    {
        var code = Invoke(() => new QuantizationResult(Int8Model, Report(budgetMet: false)), null, Basic("--max-cosine-drop", "0.0001", "--report", At("report.json")));

        code.ShouldBe(1);
        _err.ToString().ShouldContain("the accuracy budget is not met");
        _out.ToString().ShouldContain("budget (max cosine drop 0.0001) NOT met");
        File.Exists(At("int8.onnx")).ShouldBeFalse();
        File.Exists(At("report.json")).ShouldBeFalse();
    }

    [Fact]
    public void Quantize_MissingModel_ExitsOneNamingIt()
    {
        var code = Invoke("quantize", At("nope.onnx"), "--out", At("int8.onnx"), "--calibration", At("calib"));

        code.ShouldBe(1);
        _err.ToString().ShouldContain($"model file not found: {At("nope.onnx")}");
        _source.ShouldBeNull();
    }

    [Fact]
    public void Quantize_EmptyCalibration_ExitsOneBeforeQuantizing()
    {
        Directory.CreateDirectory(At("empty"));

        var code = Invoke("quantize", At("fp32.onnx"), "--out", At("int8.onnx"), "--calibration", At("empty"));

        code.ShouldBe(1);
        _err.ToString().ShouldContain($"no calibration samples in {At("empty")}");
        _options.ShouldBeNull();
        File.Exists(At("int8.onnx")).ShouldBeFalse();
    }

    [Fact]
    public void Quantize_OutIsTheInput_IsRefused()
    {
        Invoke("quantize", At("fp32.onnx"), "--out", At("fp32.onnx"), "--calibration", At("calib")).ShouldBe(1);

        _err.ToString().ShouldContain("is the input model");
    }

    [Fact]
    public void Quantize_Options_ReachTheQuantizer()
    {
        Invoke(Basic("--method", "entropy", "--activations", "uint8", "--reduce-range", "false", "--per-tensor", "--exclude", "a,b", "--exclude", "c",
            "--max-cosine-drop", "0.01", "--min-top1-agreement", "0.95", "--eval-samples", "1")).ShouldBe(0, _err.ToString());

        _options!.Method.ShouldBe(CalibrationMethod.Entropy);
        _options.Activations.ShouldBe(ActivationType.UInt8);
        _options.ReduceRange.ShouldBe(false);
        _options.PerChannel.ShouldBeFalse();
        _options.ExcludeNodes.Order(StringComparer.Ordinal).ShouldBe(["a", "b", "c"]);
        _options.MaxCosineDrop.ShouldBe(0.01);
        _options.MinTop1Agreement.ShouldBe(0.95);
        _options.EvaluationSamples.ShouldBe(1);
    }

    [Fact]
    public void Quantize_Defaults_LeaveTheFormToTheMachine()
    {
        Invoke(Basic()).ShouldBe(0);

        _options!.Method.ShouldBe(CalibrationMethod.MinMax);
        _options.Activations.ShouldBeNull();
        _options.ReduceRange.ShouldBeNull();
        _options.PerChannel.ShouldBeTrue();
    }

    [Theory]
    [InlineData("--percentile", "99.9", "is for --method percentile")]
    [InlineData("--min-top1-agreement", "1.5", "--min-top1-agreement must be in [0, 1]; it is 1.5")]
    [InlineData("--eval-samples", "0", "--eval-samples must be at least 1; it is 0")]
    public void Quantize_OptionOutOfRange_ExitsOneSayingWhy(string option, string value, string expected)
    {
        Invoke(Basic(option, value)).ShouldBe(1);

        _err.ToString().ShouldContain(expected);
        _options.ShouldBeNull();
    }

    [Fact]
    public void Quantize_Pipeline_TakesItsResizeAndNormalize()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipelines:resnet:Model"] = "resnet18",
            ["Pipelines:resnet:Resize:Width"] = "224",
            ["Pipelines:resnet:Resize:Height"] = "200",
            ["Pipelines:resnet:Resize:Mode"] = "Letterbox",
            ["Pipelines:resnet:Resize:Fill"] = "114",
            ["Pipelines:resnet:Normalize:Mean:0"] = "103.06",
            ["Pipelines:resnet:Normalize:Mean:1"] = "115.9",
            ["Pipelines:resnet:Normalize:Mean:2"] = "123.15",
            ["Pipelines:resnet:Normalize:Order"] = "Bgr",
            ["Pipelines:resnet:Normalize:Layout"] = "Nhwc",
        }).Build();

        var p = QuantizeCommand.PreprocessingOf(configuration, "resnet");

        (p.Width, p.Height, p.Letterbox, p.Fill, p.Scale, p.Bgr, p.Nhwc).ShouldBe((224, 200, true, 114, 1f, true, true));
        p.Mean.ShouldBe([103.06f, 115.9f, 123.15f]);
        Should.Throw<UsageException>(() => QuantizeCommand.PreprocessingOf(configuration, "yolo")).Message.ShouldBe("--pipeline yolo: no such pipeline; configured: resnet");
    }

    [Fact]
    public void Quantize_UnknownPipeline_ExitsOne()
    {
        Invoke(Basic("--pipeline", "nope")).ShouldBe(1);

        _err.ToString().ShouldContain("--pipeline nope: no pipelines are configured");
    }

    [Fact]
    public void Models_Help_ListsQuantize()
    {
        var models = AgentCli.Build().Subcommands.Single(c => c.Name == "models");

        models.Subcommands.Select(c => c.Name).ShouldContain("quantize");
        models.Subcommands.Single(c => c.Name == "quantize").Options.Select(o => o.Name).ShouldContain("--calibration");
    }

    /// <summary>A float32 [1, n] .npy file, written as np.save writes it.</summary>
    private static byte[] Npy(float[] values)
    {
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': (1, {values.Length}), }}";
        header = header.PadRight(64 - 10 - 1) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.AddRange([1, 0, (byte)header.Length, 0]);
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        foreach (var v in values)
        {
            bytes.AddRange(BitConverter.GetBytes(v));
        }
        return [.. bytes];
    }
}
