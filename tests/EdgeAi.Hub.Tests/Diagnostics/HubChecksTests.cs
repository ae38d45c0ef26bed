using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeAi.Common.Diagnostics;
using EdgeAi.Hub.Diagnostics;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Security;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Hub.Tests.Diagnostics;

/// <summary>The hub's certificate and signing-key checks on real files, with a fake clock for expiry.</summary>
public sealed class HubChecksTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("edgeai-hub-check-").FullName;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Certificate_CoversPublicNames_OkWithItsNames()
    {
        var hub = Options(Pfx(["hub.example"], Now.AddYears(1)), "hub.example");

        var results = await new CertificateCheck(hub, new FakeTimeProvider(Now)).RunAsync(Token);

        results.Select(r => (r.Id, r.Status)).ShouldBe([("certificate", CheckStatus.Ok), ("certificate-names", CheckStatus.Ok)]);
        results[1].Message.ShouldContain("hub.example");
    }

    [Fact]
    public async Task Certificate_MissesAPublicName_FailsNamingIt()
    {
        var hub = Options(Pfx(["hub.example"], Now.AddYears(1)), "hub.example", "10.0.0.7");

        var names = (await new CertificateCheck(hub, new FakeTimeProvider(Now)).RunAsync(Token)).Single(r => r.Id == "certificate-names");

        names.Status.ShouldBe(CheckStatus.Fail);
        names.Message.ShouldBe("does not cover Hub:PublicNames 10.0.0.7 (devices that dial them refuse it)");
        names.Fix!.ShouldContain("Hub:CertificatePath");
    }

    [Fact]
    public async Task Certificate_Expired_Fails()
    {
        var hub = Options(Pfx(["hub.example"], Now.AddDays(10)), "hub.example");

        var expiry = (await new CertificateCheck(hub, new FakeTimeProvider(Now.AddDays(11))).RunAsync(Token)).Single(r => r.Id == "certificate");

        expiry.Status.ShouldBe(CheckStatus.Fail);
        expiry.Message.ShouldContain("expired on");
    }

    [Fact]
    public async Task SigningKey_OwnerOnlyP256_Ok()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix file modes");
            return;
        }
        var path = Path.Combine(_dir, ModelSigningKey.PrivateKeyFileName);
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            await File.WriteAllTextAsync(path, key.ExportPkcs8PrivateKeyPem(), Token);
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var result = (await new SigningKeyCheck(_dir).RunAsync(Token)).Single();

        result.Status.ShouldBe(CheckStatus.Ok, result.Message);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        (await new SigningKeyCheck(_dir).RunAsync(Token)).Single().Fix.ShouldBe($"chmod 600 {path}");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static HubOptions Options(string pfx, params string[] publicNames)
    {
        var hub = new HubOptions { CertificatePath = pfx, CertificatePassword = "pw" };
        foreach (var name in publicNames)
        {
            hub.PublicNames.Add(name);
        }
        return hub;
    }

    private string Pfx(string[] dnsNames, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=hub", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            names.AddDnsName(name);
        }
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(Now.AddDays(-1), notAfter);
        var path = Path.Combine(_dir, $"hub-{Guid.NewGuid():N}.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, "pw"));
        return path;
    }
}
