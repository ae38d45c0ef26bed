using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Inference;
using EdgeAi.Common.Onnx;
using EdgeAi.IntegrationTests.Deployments;
using static EdgeAi.IntegrationTests.RolloutTestKit;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Registry;

/// <summary>The model registry over REST: signed upload, refusals, listing, deletion.</summary>
public class RegistryTests : SimulatedFleetTest
{
    public RegistryTests()
        : this(StoreEngine.Sqlite)
    {
    }

    protected RegistryTests(StoreEngine engine)
        : base([], engine: engine)
    {
    }

    [Fact]
    public async Task Push_OnnxModel_StoredSignedAndDescribed()
    {
        var model = SampleModels.Classifier();

        using var response = await PushAsync(Admin, "classifier", "1", model, Token);

        var body = await response.Content.ReadAsStringAsync(Token);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        response.Headers.Location!.ToString().ShouldBe("/api/models/classifier/versions/1");
        var pushed = JsonDocument.Parse(body).RootElement;
        var sha = Convert.ToHexStringLower(SHA256.HashData(model));
        pushed.GetProperty("sha256").GetString().ShouldBe(sha);
        pushed.GetProperty("sizeBytes").GetInt64().ShouldBe(model.Length);
        pushed.GetProperty("inputs")[0].GetProperty("datatype").GetString().ShouldBe("FP32");
        pushed.GetProperty("outputs").GetArrayLength().ShouldBeGreaterThan(0);
        pushed.GetProperty("deployed").GetBoolean().ShouldBeFalse();

        // The signature verifies with the public key the hub wrote for enrollment to hand out.
        using var publicKey = ModelSignature.ImportPublicKey(await File.ReadAllTextAsync(Path.Combine(Hub.DataDirectory, "model-signing.pub"), Token));
        ModelSignature.Verify(publicKey, "classifier", "1", sha, Convert.FromBase64String(pushed.GetProperty("signature").GetString()!)).ShouldBeTrue();
        ModelSignature.Verify(publicKey, "classifier", "2", sha, Convert.FromBase64String(pushed.GetProperty("signature").GetString()!)).ShouldBeFalse();

        (await File.ReadAllBytesAsync(Path.Combine(Hub.DataDirectory, "artifacts", "classifier", "1", "model.onnx"), Token)).ShouldBe(model);
        await Eventually.UntilAsync(() => Task.FromResult(Hub.Store.List().Any(m => m.Name == "classifier" && m.Version == "1" && m.Manifest!.Sha256 == sha)),
            "installed for the hub's own serving", Token);
        var list = await GetJsonAsync(Admin, "/api/models", Token);
        list.EnumerateArray().Single().GetProperty("name").GetString().ShouldBe("classifier");
        (await AuditAsync(Hub, Token)).ShouldContain(a => a.Action == "model.push" && a.Target == "classifier/1" && a.Actor == "admin");
    }

    [Theory]
    [InlineData("-classifier", "1", "model name '-classifier' is invalid: use letters, digits")]
    [InlineData("classifier", "v 1", "version 'v 1' is invalid: use letters, digits")]
    public async Task Push_BadNameOrVersion_BadRequestNamingTheRule(string name, string version, string expected)
    {
        using var response = await PushAsync(Admin, name, version, SampleModels.Classifier(), Token);

        var (status, detail) = await ProblemAsync(response, Token);
        status.ShouldBe(HttpStatusCode.BadRequest);
        detail.ShouldContain(expected);
    }

    [Fact]
    public async Task Push_NotOnnx_BadRequestWithReadersReason()
    {
        using var response = await PushAsync(Admin, "junk", "1", "this is not a model"u8.ToArray(), Token);

        var (status, detail) = await ProblemAsync(response, Token);
        status.ShouldBe(HttpStatusCode.BadRequest);
        detail.ShouldStartWith("not an ONNX model");
        Directory.Exists(Path.Combine(Hub.DataDirectory, "artifacts", "junk")).ShouldBeFalse();
    }

    [Fact]
    public async Task Push_EmptyBodyOrWrongContentType_Refused()
    {
        using var empty = await PushAsync(Admin, "m", "1", [], Token);
        using var json = await PushAsync(Admin, "m", "1", SampleModels.Classifier(), Token, "application/json");

        (await ProblemAsync(empty, Token)).Status.ShouldBe(HttpStatusCode.BadRequest);
        var (status, detail) = await ProblemAsync(json, Token);
        status.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        detail.ShouldContain("application/octet-stream");
    }

    [Fact]
    public async Task Push_ExistingVersion_ConflictAndOriginalKept()
    {
        var original = SampleModels.Classifier();
        await PushOkAsync(Admin, "classifier", "1", original, Token);

        using var again = await PushAsync(Admin, "classifier", "1", SampleModels.Scale(), Token);

        var (status, detail) = await ProblemAsync(again, Token);
        status.ShouldBe(HttpStatusCode.Conflict);
        detail.ShouldContain("already registered");
        (await File.ReadAllBytesAsync(Path.Combine(Hub.DataDirectory, "artifacts", "classifier", "1", "model.onnx"), Token)).ShouldBe(original);
    }

    [Fact]
    public async Task Push_OverMaxArtifactBytes_PayloadTooLarge()
    {
        await using var hub = new TestHub(Scratch.Sub("small"), Settings([], new Dictionary<string, string?> { ["Hub:Registry:MaxArtifactBytes"] = "1000" }));
        await hub.StartAsync();
        using var admin = AdminClient(hub);

        using var response = await PushAsync(admin, "slow", "1", CloudModels.Slow(1), Token);

        var (status, detail) = await ProblemAsync(response, Token);
        status.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        detail.ShouldContain("Hub:Registry:MaxArtifactBytes");
    }

    [Fact]
    public async Task Push_LargerThanKestrelRequestLimit_Accepted()
    {
        // The model host's request limit applies to inference; the upload route lifts it to the registry's.
        await PushPastSmallLimitOkAsync(Scratch.Sub("limits"), "ModelHost:MaxRequestBytes", Token);
    }

    [Fact]
    public async Task ShowAndDelete_UnusedVersion_GoneFromRegistryArtifactsAndServing()
    {
        await PushOkAsync(Admin, "scale", "1", SampleModels.Scale(), Token);
        var shown = await GetJsonAsync(Admin, "/api/models/scale/versions/1", Token);

        using var deleted = await Admin.DeleteAsync(new Uri("/api/models/scale/versions/1", UriKind.Relative), Token);

        shown.GetProperty("createdBy").GetString().ShouldBe("admin");
        deleted.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var after = await Admin.GetAsync(new Uri("/api/models/scale/versions/1", UriKind.Relative), Token);
        (await ProblemAsync(after, Token)).Status.ShouldBe(HttpStatusCode.NotFound);
        Directory.Exists(Path.Combine(Hub.DataDirectory, "artifacts", "scale", "1")).ShouldBeFalse();
        Hub.Store.List().ShouldNotContain(m => m.Name == "scale");
        (await AuditAsync(Hub, Token)).ShouldContain(a => a.Action == "model.delete" && a.Target == "scale/1");
        using var again = await Admin.DeleteAsync(new Uri("/api/models/scale/versions/1", UriKind.Relative), Token);
        (await ProblemAsync(again, Token)).Status.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Push_ThenInfer_HubServesTheRegisteredVersion()
    {
        await PushOkAsync(Admin, "scale", "7", SampleModels.Scale(), Token);
        var (channel, client, headers) = Hub.Client();
        using var _ = channel;

        await Eventually.UntilAsync(async () =>
        {
            try
            {
                return (await client.ModelReadyAsync(new ModelReadyRequest { Name = "scale", Version = "7" }, headers, cancellationToken: Token)).Ready;
            }
            catch (Grpc.Core.RpcException)
            {
                return false;
            }
        }, "the hub to serve scale 7", Token);
    }
}
