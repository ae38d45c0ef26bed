using System.Security.Cryptography;
using EdgeAi.Common.Fleet;
using EdgeAi.Hub.Security;

namespace EdgeAi.Hub.Tests.Security;

public sealed class ModelSigningKeyTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgeai-signing-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void LoadOrCreate_FirstStart_WritesOwnerOnlyKeyAndMatchingPublicKey()
    {
        using var key = ModelSigningKey.LoadOrCreate(_directory);

        var privatePath = Path.Combine(_directory, ModelSigningKey.PrivateKeyFileName);
        File.ReadAllText(privatePath).ShouldStartWith("-----BEGIN PRIVATE KEY-----");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(privatePath).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        using var publicKey = ModelSignature.ImportPublicKey(File.ReadAllText(Path.Combine(_directory, ModelSigningKey.PublicKeyFileName)));
        var sha = new string('a', 64);
        ModelSignature.Verify(publicKey, "m", "1", sha, ModelSignature.Sign(key, "m", "1", sha)).ShouldBeTrue();
    }

    [Fact]
    public void LoadOrCreate_SecondStart_SameKey()
    {
        using var first = ModelSigningKey.LoadOrCreate(_directory);
        File.Delete(Path.Combine(_directory, ModelSigningKey.PublicKeyFileName));

        using var second = ModelSigningKey.LoadOrCreate(_directory);

        second.ExportSubjectPublicKeyInfo().ShouldBe(first.ExportSubjectPublicKeyInfo());
        File.Exists(Path.Combine(_directory, ModelSigningKey.PublicKeyFileName)).ShouldBeTrue();
    }

    [Fact]
    public void LoadOrCreatePublicKeyPem_FreshDirectory_PairCreatedAndPemReturned()
    {
        var pem = ModelSigningKey.LoadOrCreatePublicKeyPem(_directory);

        using var key = ModelSigningKey.LoadOrCreate(_directory);
        using var publicKey = ModelSignature.ImportPublicKey(pem);
        publicKey.ExportSubjectPublicKeyInfo().ShouldBe(key.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void LoadOrCreate_NotP256_Refused()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        File.WriteAllText(Path.Combine(_directory, ModelSigningKey.PrivateKeyFileName), other.ExportPkcs8PrivateKeyPem());

        Should.Throw<CryptographicException>(() => ModelSigningKey.LoadOrCreate(_directory)).Message.ShouldContain("P-256");
    }
}
