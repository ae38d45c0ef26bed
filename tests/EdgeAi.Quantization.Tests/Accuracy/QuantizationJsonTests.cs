using System.Text.Json;
using EdgeAi.Quantization.Accuracy;
using EdgeAi.Quantization.Hardware;

namespace EdgeAi.Quantization.Tests.Accuracy;

public sealed class QuantizationJsonTests
{
    [Fact]
    public void Report_RoundTrip_CamelCaseAndEnumsAsStrings()
    {
        var report = new AccuracyReport
        {
            Method = "Entropy",
            Activations = ActivationType.UInt8,
            ReduceRange = true,
            PerChannel = true,
            CalibrationSamples = 80,
            EvaluationSamples = 20,
            Outputs = [new OutputAccuracy("probabilities", 0.998, 0.991, 0.04, 0.002, 0.95)],
            QuantizedNodes = 21,
            Fp32Nodes = ["fc"],
            FallbackNodes = ["fc"],
            BudgetMet = true,
            Speed = new SpeedCheck(32.0, 14.5, 20),
            Hardware = new HardwareProfile("X64", true, true, true, false, ActivationType.Int8, false, "AVX-512 VNNI"),
            Seconds = 12.5,
        };

        var json = JsonSerializer.Serialize(report, QuantizationJson.Default.AccuracyReport);
        var back = JsonSerializer.Deserialize(json, QuantizationJson.Default.AccuracyReport).ShouldNotBeNull();

        json.ShouldContain("\"activations\": \"UInt8\"");
        json.ShouldContain("\"top1Agreement\": 0.95");
        json.ShouldContain("\"fp32P50Ms\": 32");
        back.Outputs.ShouldBe(report.Outputs);
        back.Hardware.ShouldBe(report.Hardware);
        back.Speed.ShouldBe(report.Speed);
        back.Fp32Nodes.ShouldBe(["fc"]);
        back.FallbackNodes.ShouldBe(["fc"]);
        back.Activations.ShouldBe(ActivationType.UInt8);
        back.Seconds.ShouldBe(12.5);
    }
}
