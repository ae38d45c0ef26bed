using System.Security.Cryptography;
using System.Text;
using EdgeAi.Common.Fleet;

namespace EdgeAi.Common.Tests.Fleet;

public sealed class ModelSignatureTests : IDisposable
{
    private const string Sha = "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12";
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    [Fact]
    public void Payload_Fp32_IsThePayloadAgentsBeforeVariantsVerify()
    {
        var before = Encoding.UTF8.GetBytes($"edgeai-model-v1\nm\n1\n{Sha}");

        ModelSignature.Payload("m", "1", Sha).ShouldBe(before);
        ModelSignature.Payload("m", "1", "fp32", Sha).ShouldBe(before);
        ModelSignature.Payload("m", "1", "", Sha).ShouldBe(before);
    }

    [Fact]
    public void Payload_Int8_NamesTheVariant()
    {
        ModelSignature.Payload("m", "1", "int8", Sha).ShouldBe(Encoding.UTF8.GetBytes($"edgeai-model-variant-v1\nm\n1\nint8\n{Sha}"));
        ModelSignature.Payload("m", "1", "int8", Sha).ShouldNotBe(ModelSignature.Payload("m", "1", "fp16", Sha));
    }

    [Fact]
    public void Verify_VariantSignature_OnlyForThatVariant()
    {
        var int8 = ModelSignature.Sign(_key, "m", "1", "int8", Sha);
        var fp32 = ModelSignature.Sign(_key, "m", "1", Sha);

        ModelSignature.Verify(_key, "m", "1", "int8", Sha, int8).ShouldBeTrue();
        ModelSignature.Verify(_key, "m", "1", "fp16", Sha, int8).ShouldBeFalse();
        ModelSignature.Verify(_key, "m", "1", Sha, int8).ShouldBeFalse();
        ModelSignature.Verify(_key, "m", "1", "fp32", Sha, fp32).ShouldBeTrue();
        ModelSignature.Verify(_key, "m", "1", "int8", Sha, fp32).ShouldBeFalse();
    }

    public void Dispose() => _key.Dispose();
}
