using System.Net;
using System.Security.Cryptography;
using EdgeAi.Common.Fleet;
using EdgeAi.IntegrationTests.Deployments;
using Google.Protobuf;
using Grpc.Core;
using static EdgeAi.IntegrationTests.RolloutTestKit;
using static EdgeAi.IntegrationTests.Variants.VariantApi;

namespace EdgeAi.IntegrationTests.Variants;

/// <summary>
/// The hub names a variant per device from the execution providers it reported: a CPU-only device gets
/// int8, a CUDA one fp16, and each may download exactly that artifact; a deployment's --variant overrides.
/// </summary>
public sealed class VariantDesiredStateTests() : SimulatedFleetTest([Cpu, Gpu])
{
    private const string Cpu = "cpu-1";
    private const string Gpu = "gpu-1";

    private readonly byte[] _fp32 = VariantModels.Fp32();
    private readonly byte[] _int8 = VariantModels.Int8();
    private readonly byte[] _fp16 = VariantModels.Fp16();

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await PushOkAsync(Admin, "mm", "1", _fp32, Token);
        await AddOkAsync(Admin, "mm", "1", "int8", _int8, Token);
        await AddOkAsync(Admin, "mm", "1", "fp16", _fp16, Token);
        await ReportProvidersAsync(Hub, Devices[0], Token, "CPUExecutionProvider");
        await ReportProvidersAsync(Hub, Devices[1], Token, "CUDAExecutionProvider", "CPUExecutionProvider");
    }

    [Fact]
    public async Task Deploy_Auto_CpuGetsInt8_CudaGetsFp16_EachDownloadsExactlyItsArtifact()
    {
        await DeployAsync(Admin, """{"model":"mm","version":"1"}""", Token);

        var cpu = (await Devices[0].WaitForDesiredAsync(s => s.Models.Count == 1, "mm desired", Token)).Models[0];
        var gpu = (await Devices[1].WaitForDesiredAsync(s => s.Models.Count == 1, "mm desired", Token)).Models[0];
        cpu.Variant.ShouldBe("int8");
        cpu.Sha256.ShouldBe(Sha(_int8));
        gpu.Variant.ShouldBe("fp16");
        gpu.Sha256.ShouldBe(Sha(_fp16));

        var downloaded = await DownloadAsync(Gpu, "fp16");
        downloaded.ShouldBe(_fp16);
        using var publicKey = ModelSignature.ImportPublicKey(await File.ReadAllTextAsync(System.IO.Path.Combine(Hub.DataDirectory, "model-signing.pub"), Token));
        ModelSignature.Verify(publicKey, "mm", "1", gpu.Variant, Sha(downloaded), gpu.Signature.Span).ShouldBeTrue();
        ModelSignature.Verify(publicKey, "mm", "1", cpu.Variant, Sha(await DownloadAsync(Cpu, "int8")), cpu.Signature.Span).ShouldBeTrue();

        // Not the variant its desired state names: refused.
        var refused = await Should.ThrowAsync<RpcException>(() => DownloadAsync(Gpu, "int8"));
        refused.StatusCode.ShouldBe(StatusCode.PermissionDenied);
        refused.Status.Detail.ShouldContain("names the fp16 variant");
        // A variant a device's desired state names cannot be deleted.
        using (var delete = await Admin.DeleteAsync(new Uri(VariantPath("mm", "1", "fp16"), UriKind.Relative), Token))
        {
            var (status, detail) = await ProblemAsync(delete, Token);
            status.ShouldBe(HttpStatusCode.Conflict);
            detail.ShouldContain(Gpu);
        }
    }

    [Fact]
    public async Task ReportedProvidersChange_NewRevisionNamesTheOtherVariant()
    {
        await DeployAsync(Admin, """{"model":"mm","version":"1"}""", Token);
        var before = await Devices[1].WaitForDesiredAsync(s => s.Models.Count == 1 && s.Models[0].Variant == "fp16", "fp16 desired", Token);

        await ReportProvidersAsync(Hub, Devices[1], Token, "CPUExecutionProvider");

        var after = await Devices[1].WaitForDesiredAsync(s => s.Revision > before.Revision, "a new revision", Token);
        after.Models[0].Variant.ShouldBe("int8");
        after.Models[0].Sha256.ShouldBe(Sha(_int8));
        (await AuditAsync(Hub, Token)).ShouldContain(a => a.Action == "device.variant" && a.Target == $"device/{Gpu}");
    }

    [Fact]
    public async Task ReportWithoutProviders_AgentRestarting_KeepsTheVariantAndRevision()
    {
        await DeployAsync(Admin, """{"model":"mm","version":"1"}""", Token);
        var before = await Devices[0].WaitForDesiredAsync(s => s.Models.Count == 1 && s.Models[0].Variant == "int8", "int8 desired", Token);
        var row = await HubStore.DeviceAsync(Hub, Cpu, Token);

        // An agent that has not loaded a model yet reports no providers.
        await Devices[0].SendAsync(Common.Sync.SyncTopics.Reported, new Common.Sync.ReportedState { AgentVersion = "restarted" }, Token);

        Common.Sync.ReportedState? stored = null;
        await Eventually.UntilAsync(async () =>
        {
            var now = await HubStore.DeviceAsync(Hub, Cpu, Token);
            stored = now?.Reported is { } body ? Common.Sync.ReportedState.Parser.ParseFrom(body) : null;
            return stored?.AgentVersion == "restarted";
        }, "the restarted agent's report at the hub", Token);
        stored!.ExecutionProviders.ShouldBe(["CPUExecutionProvider"]);
        (await HubStore.DeviceAsync(Hub, Cpu, Token))!.DesiredRevision.ShouldBe(row!.DesiredRevision);
        Devices[0].Latest!.Revision.ShouldBe(before.Revision);
    }

    [Fact]
    public async Task Deploy_VariantFp32_OverridesTheProviders_AndAMissingVariantIsRefused()
    {
        var id = await DeployAsync(Admin, """{"model":"mm","version":"1","variant":"fp32"}""", Token);

        foreach (var device in Devices)
        {
            var model = (await device.WaitForDesiredAsync(s => s.Models.Count == 1, "mm desired", Token)).Models[0];
            model.Variant.ShouldBe("fp32");
            model.Sha256.ShouldBe(Sha(_fp32));
        }
        (await DeploymentAsync(Admin, id, Token)).GetProperty("variant").GetString().ShouldBe("fp32");
        (await DownloadAsync(Gpu, "")).ShouldBe(_fp32, "an empty variant (an agent that predates variants) is fp32");

        await PushOkAsync(Admin, "mm", "2", VariantModels.Fp32(3f), Token);
        using var missing = await PostJsonAsync(Admin, "/api/deployments", """{"model":"mm","version":"2","variant":"fp16"}""", Token);
        var (status, detail) = await ProblemAsync(missing, Token);
        status.ShouldBe(HttpStatusCode.BadRequest);
        detail.ShouldBe("mm version 2 has no fp16 variant (it has fp32); add it first (cloud-hub models variant add) or use --variant auto");
    }

    private async Task<byte[]> DownloadAsync(string device, string variant)
    {
        var (channel, _, headers) = Hub.Client(Key(device));
        using var _ = channel;
        var client = new Fleet.FleetClient(channel);
        using var call = client.DownloadModel(new DownloadModelRequest { Name = "mm", Version = "1", Variant = variant }, headers, cancellationToken: Token);
        var received = new MemoryStream();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(Token))
        {
            received.Write(chunk.Data.Span);
        }
        return received.ToArray();
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
