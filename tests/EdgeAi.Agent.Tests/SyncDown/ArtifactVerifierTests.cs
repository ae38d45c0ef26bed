using System.Security.Cryptography;
using EdgeAi.Agent.SyncDown;
using EdgeAi.Agent.Hosting;
using EdgeAi.Common.Fleet;
using EdgeAi.Common.Sync;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace EdgeAi.Agent.Tests.SyncDown;

public sealed class ArtifactVerifierTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-verify-").FullName;
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly byte[] _bytes = [.. Enumerable.Range(0, 5000).Select(i => (byte)i)];

    public ArtifactVerifierTests() => File.WriteAllText(Path.Combine(_dir, FleetOptions.SigningKeyFileName), _key.ExportSubjectPublicKeyInfoPem());

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Verify_SignedMatchingArtifact_Passes()
    {
        await Verifier().VerifyAsync(Signed(), Download(_bytes), Token);
    }

    [Fact]
    public async Task Verify_Int8VariantSignedWithVariant_Passes()
    {
        var model = Signed();
        model.Variant = "int8";
        model.Signature = ByteString.CopyFrom(ModelSignature.Sign(_key, "m", "1", "int8", Sha(_bytes)));

        await Verifier().VerifyAsync(model, Download(_bytes), Token);
    }

    [Fact]
    public async Task Verify_Fp32SignatureOnAnInt8Variant_Refused()
    {
        // The hub signed these bytes as fp32; a desired state that calls them int8 must not pass.
        var model = Signed();
        model.Variant = "int8";

        var error = await Should.ThrowAsync<DeploymentException>(() => Verifier().VerifyAsync(model, Download(_bytes), Token));

        error.Message.ShouldContain("does not verify");
        error.Message.ShouldContain("int8 variant");
    }

    [Fact]
    public async Task Verify_TamperedBytes_RefusedNamingBothChecksums()
    {
        var tampered = (byte[])_bytes.Clone();
        tampered[100] ^= 0xFF;

        var error = await Should.ThrowAsync<DeploymentException>(() => Verifier().VerifyAsync(Signed(), Download(tampered), Token));

        error.Message.ShouldContain("tampered");
        error.Message.ShouldContain(Sha(_bytes));
        error.RetryLater.ShouldBeFalse();
    }

    [Fact]
    public async Task Verify_SignatureForAnotherVersion_Refused()
    {
        var model = Signed();
        model.Version = "2"; // the signature binds name and version: it cannot be replayed for another version

        var error = await Should.ThrowAsync<DeploymentException>(() => Verifier().VerifyAsync(model, Download(_bytes), Token));

        error.Message.ShouldContain("signature does not verify");
    }

    [Fact]
    public async Task Verify_SignedByAnotherKey_Refused()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var model = Signed();
        model.Signature = ByteString.CopyFrom(ModelSignature.Sign(other, "m", "1", Sha(_bytes)));

        (await Should.ThrowAsync<DeploymentException>(() => Verifier().VerifyAsync(model, Download(_bytes), Token))).Message.ShouldContain("signature does not verify");
    }

    [Fact]
    public async Task Verify_Unsigned_RefusedUnlessSignaturesAreOptional()
    {
        var model = Signed();
        model.Signature = ByteString.Empty;

        (await Should.ThrowAsync<DeploymentException>(() => Verifier().VerifyAsync(model, Download(_bytes), Token))).Message.ShouldContain("not signed");
        await Verifier(new FleetOptions { RequireSignature = false }).VerifyAsync(model, Download(_bytes), Token);
    }

    [Fact]
    public async Task Verify_NoSigningKey_RefusedNamingTheSetting()
    {
        var options = new FleetOptions { SigningKeyPath = Path.Combine(_dir, "missing.pub") };

        var error = await Should.ThrowAsync<DeploymentException>(() => Verifier(options).VerifyAsync(Signed(), Download(_bytes), Token));

        error.Message.ShouldContain("Fleet:SigningKeyPath");
        error.Message.ShouldContain("missing.pub");
    }

    [Fact]
    public async Task Verify_HubStreamStatedAnotherChecksum_Refused()
    {
        var download = Download(_bytes) with { HubSha256 = new string('0', 64) };

        (await Should.ThrowAsync<DeploymentException>(() => Verifier().VerifyAsync(Signed(), download, Token))).Message.ShouldContain("the hub's stream said");
    }

    private ArtifactVerifier Verifier(FleetOptions? options = null) =>
        new(Options.Create(options ?? new FleetOptions()), Options.Create(new AgentOptions { DataDirectory = _dir }), NullLogger<ArtifactVerifier>.Instance);

    private DesiredModel Signed() => new()
    {
        Name = "m",
        Version = "1",
        Sha256 = Sha(_bytes),
        Signature = ByteString.CopyFrom(ModelSignature.Sign(_key, "m", "1", Sha(_bytes))),
    };

    private DownloadResult Download(byte[] bytes)
    {
        var path = Path.Combine(_dir, "1.part");
        File.WriteAllBytes(path, bytes);
        return new DownloadResult(path, Sha(bytes));
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
