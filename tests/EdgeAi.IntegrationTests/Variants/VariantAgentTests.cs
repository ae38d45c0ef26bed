using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.Serving.Protocol;
using Grpc.Core;

namespace EdgeAi.IntegrationTests.Variants;

/// <summary>
/// A real hub and a real agent on this machine's CPU: fp32 and an int8 (QDQ) variant pushed with the real
/// CLI, deployed with auto. The agent reports the CPU once its first model loads, the hub names int8 in a
/// new revision, and the agent swaps it in beside the serving copy: it answers with edgeai.model_variant
/// int8 and the hub sees the variant in its reported state. A deployment with --variant fp32 swaps back.
/// And the real quantizer from the CLI: push --quantize int8 with real photos stores the variant and its report.
/// </summary>
public sealed class VariantAgentTests : HubTest
{
    private const string Report = """{"method":"MinMax","outputs":[{"name":"output","cosine":0.9999,"top1Agreement":1.0}],"speed":{"fp32P50Ms":0.2,"int8P50Ms":0.1,"ratio":0.5},"budgetMet":true}""";

    public VariantAgentTests()
        : base(new Dictionary<string, string?> { ["Hub:Deployments:PollInterval"] = "00:00:00.200" })
    {
    }

    [Fact]
    public async Task DeployAuto_CpuAgent_ServesInt8AndReportsIt_Fp32OverrideSwapsBack()
    {
        var fp32 = Path.Combine(Scratch.Root, "mm.onnx");
        var int8 = Path.Combine(Scratch.Root, "mm-int8.onnx");
        var report = Path.Combine(Scratch.Root, "report.json");
        await File.WriteAllBytesAsync(fp32, VariantModels.Fp32(), Token);
        await File.WriteAllBytesAsync(int8, VariantModels.Int8(), Token);
        await File.WriteAllTextAsync(report, Report, Token);
        await HubCliAsync("models", "push", fp32, "--name", "mm", "--version", "1");
        var added = await HubCliAsync("models", "variant", "add", "mm", "1", int8, "--variant", "int8", "--report", report);
        added.Output.ShouldContain("registered the int8 variant");
        added.Output.ShouldContain("cosine 0.9999, top-1 100.0%, int8/fp32 latency 0.50, budget met");
        var shown = await HubCliAsync("models", "show", "mm", "1");
        shown.Output.ShouldContain("variants:");
        shown.Output.ShouldContain("int8");

        await using var agent = new TestAgent(Scratch.Sub("agent"));
        await agent.StartAsync(Hub, HostSettings.Merge(TestAgent.FastReconnect, TestAgent.FastFleetRetries, new Dictionary<string, string?>
        {
            ["Fleet:SigningKeyPath"] = Path.Combine(Hub.DataDirectory, "model-signing.pub"),
            ["Telemetry:Interval"] = "00:00:00.200",
        }));
        await Eventually.UntilAsync(async () => await HubStore.DeviceAsync(Hub, TestHub.DeviceId, Token) is not null, "the agent known to the hub", Token, TimeSpan.FromSeconds(30));
        await HubCliAsync("deployments", "create", "--model", "mm", "--version", "1");

        var served = await WaitForVariantAsync(agent, MmRequest, "int8");
        Requests.Fp32Output(served).ShouldBe([2f, 4f, 6f, 8f], tolerance: 0.2f);
        served.Parameters.GetString(InferenceParameters.ExecutionProvider).ShouldBe("CPU");
        await WaitForReportedVariantAsync("mm", "int8");
        agent.Store.List().Single(m => m.Name == "mm").Manifest!.Variant.ShouldBe("int8");

        await HubCliAsync("deployments", "create", "--model", "mm", "--version", "1", "--variant", "fp32");

        var back = await WaitForVariantAsync(agent, MmRequest, "fp32");
        Requests.Fp32Output(back).ShouldBe([2f, 4f, 6f, 8f]);
        await WaitForReportedVariantAsync("mm", "fp32");
    }

    [Fact]
    public async Task PushQuantize_RealPhotos_Int8VariantWithReport_CpuAgentServesIt()
    {
        var fp32 = Path.Combine(Scratch.Root, "conv.onnx");
        await File.WriteAllBytesAsync(fp32, SampleModels.ConvClassifier(), Token);
        var calibration = Scratch.Sub("calibration");
        foreach (var photo in CalibrationPhotos)
        {
            File.Copy(TestImages.PathOf(photo), Path.Combine(calibration, photo));
        }
        await File.WriteAllTextAsync(Path.Combine(calibration, "preprocess.json"), """{"width": 16, "height": 16, "scale": 0.00392157}""", Token);

        var pushed = await HubCliAsync("models", "push", fp32, "--name", "conv", "--version", "1", "--quantize", "int8", "--calibration", calibration, "--method", "percentile");

        pushed.Output.ShouldContain("registered conv 1");
        pushed.Output.ShouldContain("registered the int8 variant");
        pushed.Output.ShouldContain("budget met");
        using (var admin = AdminApi.AdminClient(Hub))
        {
            var variants = await AdminApi.GetJsonAsync(admin, "/api/models/conv/versions/1/variants", Token);
            var int8 = variants.EnumerateArray().Single(v => v.GetProperty("variant").GetString() == "int8");
            var cosine = int8.GetProperty("summary").GetProperty("cosine").GetDouble();
            cosine.ShouldBeGreaterThan(0.95);
        }

        await using var agent = new TestAgent(Scratch.Sub("agent"));
        await agent.StartAsync(Hub, HostSettings.Merge(TestAgent.FastReconnect, TestAgent.FastFleetRetries, new Dictionary<string, string?>
        {
            ["Fleet:SigningKeyPath"] = Path.Combine(Hub.DataDirectory, "model-signing.pub"),
            ["Telemetry:Interval"] = "00:00:00.200",
        }));
        await Eventually.UntilAsync(async () => await HubStore.DeviceAsync(Hub, TestHub.DeviceId, Token) is not null, "the agent known to the hub", Token, TimeSpan.FromSeconds(30));
        await HubCliAsync("deployments", "create", "--model", "conv", "--version", "1");

        var image = Enumerable.Range(0, 3 * 16 * 16).Select(i => (float)(i % 17) / 17f).ToArray();
        var served = await WaitForVariantAsync(agent, () => Requests.Fp32("conv", [1, 3, 16, 16], image, "image"), "int8");
        Requests.Fp32Output(served).Length.ShouldBe(5);
        await WaitForReportedVariantAsync("conv", "int8");
    }

    private static readonly string[] CalibrationPhotos = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "retina.jpg", "hubble_deep_field.jpg", "brick.png", "grass.png"];

    private static ModelInferRequest MmRequest() => Requests.Fp32("mm", [1, VariantModels.Width], [1, 2, 3, 4]);

    private async Task<CliResult> HubCliAsync(params string[] args)
    {
        var result = await CliRunner.HubAsync([.. args, "--hub", Hub.Uri.ToString(), "--data-dir", Hub.DataDirectory, "--admin-key", TestHub.AdminKey]);
        result.ExitCode.ShouldBe(0, result.ToString());
        return result;
    }

    private static async Task<ModelInferResponse> WaitForVariantAsync(TestAgent agent, Func<ModelInferRequest> request, string variant)
    {
        ModelInferResponse? last = null;
        await Eventually.UntilAsync(async () =>
        {
            try
            {
                last = await agent.Grpc.ModelInferAsync(request(), cancellationToken: Token);
                return last.Parameters.GetString(InferenceParameters.ServedBy) == "local" && last.Parameters.GetString(InferenceParameters.ModelVariant) == variant;
            }
            catch (RpcException)
            {
                return false;
            }
        }, () => $"the agent serving {request().ModelName}'s {variant} variant locally (last answer: {last?.Parameters})", Token, TimeSpan.FromSeconds(60));
        return last!;
    }

    private async Task WaitForReportedVariantAsync(string model, string variant)
    {
        using var admin = AdminApi.AdminClient(Hub);
        System.Text.Json.JsonElement devices = default;
        await Eventually.UntilAsync(async () =>
        {
            devices = await AdminApi.GetJsonAsync(admin, "/api/fleet/devices", Token);
            return devices.EnumerateArray().Any(d => d.GetProperty("models").EnumerateArray()
                .Any(m => m.GetProperty("name").GetString() == model && m.GetProperty("state").GetString() == "active" && m.GetProperty("variant").GetString() == variant));
        }, () => $"the hub seeing the device serve {model} {variant} (now: {devices})", Token, TimeSpan.FromSeconds(30));
    }
}
