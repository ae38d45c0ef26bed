using System.Net;
using System.Security.Cryptography;
using EdgeAi.Common.Fleet;
using EdgeAi.IntegrationTests.Deployments;
using static EdgeAi.IntegrationTests.RolloutTestKit;
using static EdgeAi.IntegrationTests.Variants.VariantApi;
using static EdgeAi.Testing.Hosts.AdminApi;

namespace EdgeAi.IntegrationTests.Variants;

/// <summary>A version's variants over REST: stored and signed per variant, listed, reported, deleted; bad uploads refused precisely.</summary>
public sealed class VariantRegistryTests() : SimulatedFleetTest([Device], new Dictionary<string, string?> { ["Hub:Registry:MaxArtifactBytes"] = "4096" })
{
    private const string Device = "dev-1";

    [Fact]
    public async Task AddVariant_Int8_StoredSignedOverTheVariantListedAndReported()
    {
        var fp32 = VariantModels.Fp32();
        var int8 = VariantModels.Int8();
        await PushOkAsync(Admin, "mm", "1", fp32, Token);

        var added = await AddOkAsync(Admin, "mm", "1", "int8", int8, Token);

        var sha = Convert.ToHexStringLower(SHA256.HashData(int8));
        added.GetProperty("variant").GetString().ShouldBe("int8");
        added.GetProperty("sha256").GetString().ShouldBe(sha);
        added.GetProperty("sizeBytes").GetInt64().ShouldBe(int8.Length);
        using var publicKey = ModelSignature.ImportPublicKey(await File.ReadAllTextAsync(System.IO.Path.Combine(Hub.DataDirectory, "model-signing.pub"), Token));
        var signature = Convert.FromBase64String(added.GetProperty("signature").GetString()!);
        ModelSignature.Verify(publicKey, "mm", "1", "int8", sha, signature).ShouldBeTrue();
        ModelSignature.Verify(publicKey, "mm", "1", sha, signature).ShouldBeFalse("an int8 signature must not pass as fp32's");
        (await File.ReadAllBytesAsync(System.IO.Path.Combine(Hub.DataDirectory, "artifacts", "mm", "1", "variants", "int8", "model.onnx"), Token)).ShouldBe(int8);

        using (var report = await PutReportAsync(Admin, "mm", "1", "int8",
            """{"method":"MinMax","outputs":[{"name":"output","cosine":0.9996,"top1Agreement":1.0}],"speed":{"fp32P50Ms":1.0,"int8P50Ms":0.5,"ratio":0.5},"budgetMet":true}""", Token))
        {
            report.StatusCode.ShouldBe(HttpStatusCode.OK, await report.Content.ReadAsStringAsync(Token));
        }
        var variants = await GetJsonAsync(Admin, "/api/models/mm/versions/1/variants", Token);
        variants.EnumerateArray().Select(v => v.GetProperty("variant").GetString()).ShouldBe(["fp32", "int8"]);
        variants[0].GetProperty("sha256").GetString().ShouldBe(Convert.ToHexStringLower(SHA256.HashData(fp32)));
        var summary = variants[1].GetProperty("summary");
        summary.GetProperty("cosine").GetDouble().ShouldBe(0.9996);
        summary.GetProperty("top1Agreement").GetDouble().ShouldBe(1.0);
        summary.GetProperty("speedRatio").GetDouble().ShouldBe(0.5);
        variants[1].GetProperty("report").GetProperty("method").GetString().ShouldBe("MinMax");
        var model = await GetJsonAsync(Admin, "/api/models/mm/versions/1", Token);
        model.GetProperty("variants").GetArrayLength().ShouldBe(2);
        (await GetJsonAsync(Admin, "/api/models", Token))[0].GetProperty("variants").GetArrayLength().ShouldBe(2);

        using (var deleted = await Admin.DeleteAsync(new Uri(VariantPath("mm", "1", "int8"), UriKind.Relative), Token))
        {
            deleted.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        (await GetJsonAsync(Admin, "/api/models/mm/versions/1/variants", Token)).GetArrayLength().ShouldBe(1);
        Directory.Exists(System.IO.Path.Combine(Hub.DataDirectory, "artifacts", "mm", "1", "variants", "int8")).ShouldBeFalse();
        (await AuditAsync(Hub, Token)).Select(a => a.Action).ShouldContain("model.variant.add");
    }

    [Fact]
    public async Task AddVariant_BadInput_RefusedWithPreciseCodesAndNothingStored()
    {
        await PushOkAsync(Admin, "mm", "1", VariantModels.Fp32(), Token);

        await RefusedAsync(AddAsync(Admin, "mm", "1", "int4", VariantModels.Int8(), Token), HttpStatusCode.BadRequest, "variant 'int4' is unknown: use int8 or fp16");
        await RefusedAsync(AddAsync(Admin, "mm", "1", "fp32", VariantModels.Fp32(3f), Token), HttpStatusCode.BadRequest, "fp32 is the version's own artifact");
        await RefusedAsync(AddAsync(Admin, "mm", "9", "int8", VariantModels.Int8(), Token), HttpStatusCode.NotFound, "the registry has no model 'mm' version '9'");
        await RefusedAsync(AddAsync(Admin, "mm", "1", "int8", VariantModels.OtherShape(), Token), HttpStatusCode.Conflict,
            "the int8 variant must have the inputs and outputs of mm version 1 (names, datatypes, shapes): input 'input' has shape [-1, 8], the version's is [-1, 4]");
        using (var once = AdminClient(Hub))
        {
            // A client of its own: the hub closes the connection after a 413 rather than read the unwanted body.
            await RefusedAsync(AddAsync(once, "mm", "1", "int8", new byte[5000], Token), HttpStatusCode.RequestEntityTooLarge, "Hub:Registry:MaxArtifactBytes (4096 bytes)");
        }
        await RefusedAsync(AddAsync(Admin, "mm", "1", "int8", "not onnx"u8.ToArray(), Token), HttpStatusCode.BadRequest, "not an ONNX model");
        await AddOkAsync(Admin, "mm", "1", "int8", VariantModels.Int8(), Token);
        await RefusedAsync(AddAsync(Admin, "mm", "1", "int8", VariantModels.Int8(3f), Token), HttpStatusCode.Conflict, "already has a int8 variant");
        await RefusedAsync(PutReportAsync(Admin, "mm", "1", "int8", "[1, 2]", Token), HttpStatusCode.BadRequest, "must be a JSON object");
        await RefusedAsync(PutReportAsync(Admin, "mm", "1", "fp16", "{}", Token), HttpStatusCode.NotFound, "has no fp16 variant");

        (await GetJsonAsync(Admin, "/api/models/mm/versions/1/variants", Token)).GetArrayLength().ShouldBe(2);
        Directory.EnumerateDirectories(System.IO.Path.Combine(Hub.DataDirectory, "artifacts", "mm", "1", "variants")).Select(System.IO.Path.GetFileName).ShouldBe(["int8"]);
    }

    [Fact]
    public async Task DeleteVersion_WithVariants_DeletesThem()
    {
        await PushOkAsync(Admin, "mm", "1", VariantModels.Fp32(), Token);
        await AddOkAsync(Admin, "mm", "1", "fp16", VariantModels.Fp16(), Token);

        using var deleted = await Admin.DeleteAsync(new Uri("/api/models/mm/versions/1", UriKind.Relative), Token);

        deleted.StatusCode.ShouldBe(HttpStatusCode.OK);
        Directory.Exists(System.IO.Path.Combine(Hub.DataDirectory, "artifacts", "mm", "1")).ShouldBeFalse();
        // Pushed again, the version starts with no variants.
        await PushOkAsync(Admin, "mm", "1", VariantModels.Fp32(), Token);
        (await GetJsonAsync(Admin, "/api/models/mm/versions/1/variants", Token)).GetArrayLength().ShouldBe(1);
    }

    private static async Task RefusedAsync(Task<HttpResponseMessage> call, HttpStatusCode status, string detail)
    {
        using var response = await call;
        var (actual, text) = await ProblemAsync(response, Token);
        actual.ShouldBe(status, text);
        text.ShouldContain(detail, Case.Insensitive);
    }
}
