using System.Security.Cryptography.X509Certificates;
using EdgeAi.Hub.Hosting;
using EdgeAi.Hub.Security;
using Microsoft.Extensions.Time.Testing;

namespace EdgeAi.Hub.Tests.Security;

public sealed class HubCertificateTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgeai-cert-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string CaPath => Path.Combine(_directory, HubCertificate.PublicCertificateFileName);

    [Fact]
    public void LoadOrCreate_FirstStart_ServesCertificateForPublicNamesSignedByTheCa()
    {
        using var serving = HubCertificate.LoadOrCreate(_directory, null, null, ["Hub.Example.Test", "192.168.7.20"], _time);

        var names = SanNames(serving);
        names.ShouldContain("hub.example.test");
        names.ShouldContain("192.168.7.20");
        names.ShouldContain("localhost");
        names.ShouldContain("127.0.0.1");
        ChainsTo(serving, CaPath).ShouldBeTrue();
        serving.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority.ShouldBeFalse();
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(Path.Combine(_directory, HubCertificate.PfxFileName)).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.GetUnixFileMode(Path.Combine(_directory, HubCertificate.ServingPfxFileName)).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [Fact]
    public void LoadOrCreate_SameNames_KeepsTheServingCertificate()
    {
        using var first = HubCertificate.LoadOrCreate(_directory, null, null, ["hub.example.test"], _time);

        using var second = HubCertificate.LoadOrCreate(_directory, null, null, ["HUB.example.test"], _time);

        second.Thumbprint.ShouldBe(first.Thumbprint);
    }

    [Fact]
    public void LoadOrCreate_NamesChange_ReissuesFromTheSameCa()
    {
        using var first = HubCertificate.LoadOrCreate(_directory, null, null, [], _time);
        var ca = File.ReadAllText(CaPath);

        using var second = HubCertificate.LoadOrCreate(_directory, null, null, ["10.0.0.5"], _time);

        second.Thumbprint.ShouldNotBe(first.Thumbprint);
        SanNames(second).ShouldContain("10.0.0.5");
        File.ReadAllText(CaPath).ShouldBe(ca, "agents enrolled earlier trust this file; a new name must not change it");
        ChainsTo(second, CaPath).ShouldBeTrue();
    }

    [Fact]
    public void LoadOrCreate_PreviousReleaseDirectory_KeepsItsCertificateAsTheCa()
    {
        // Before Hub:PublicNames the hub served its self-signed CA itself: hub-tls.pfx and hub-ca.crt only.
        using (HubAuthority.LoadOrCreate(_directory, _time))
        {
        }
        var ca = File.ReadAllText(CaPath);

        using var serving = HubCertificate.LoadOrCreate(_directory, null, null, ["hub.example.test"], _time);

        File.ReadAllText(CaPath).ShouldBe(ca);
        ChainsTo(serving, CaPath).ShouldBeTrue();
    }

    [Fact]
    public void LoadOrCreate_DamagedServingFile_Reissues()
    {
        using var first = HubCertificate.LoadOrCreate(_directory, null, null, [], _time);
        File.WriteAllBytes(Path.Combine(_directory, HubCertificate.ServingPfxFileName), [0x30, 0x82, 0x01]);

        using var second = HubCertificate.LoadOrCreate(_directory, null, null, [], _time);

        ChainsTo(second, CaPath).ShouldBeTrue();
        second.HasPrivateKey.ShouldBeTrue();
    }

    [Fact]
    public void LoadOrCreate_NearItsEnd_Reissues()
    {
        using var first = HubCertificate.LoadOrCreate(_directory, null, null, [], _time);
        _time.Advance(TimeSpan.FromDays(2 * 365 - 30));

        using var second = HubCertificate.LoadOrCreate(_directory, null, null, [], _time);

        second.NotAfter.ShouldBeGreaterThan(first.NotAfter);
    }

    [Fact]
    public void LoadOrCreate_ReplicasStartTogether_ShareOneCa()
    {
        var served = new X509Certificate2[8];
        Parallel.For(0, served.Length, i => served[i] = HubCertificate.LoadOrCreate(_directory, null, null, ["hub.example.test"], _time));

        foreach (var certificate in served)
        {
            ChainsTo(certificate, CaPath).ShouldBeTrue("every replica serves a certificate of the one CA left on disk");
            certificate.Dispose();
        }
        Directory.GetFiles(_directory, "*.tmp").ShouldBeEmpty();
    }

    [Theory]
    [InlineData("https://hub.example.test")]
    [InlineData("hub.example.test:5001")]
    [InlineData("*.example.test")]
    [InlineData(" ")]
    public void Validate_PublicNameNotAHost_NamesIt(string name)
    {
        var options = new HubOptions();
        options.PublicNames.Add(name);

        var result = new HubOptionsValidator().Validate(null, options);

        result.Failed.ShouldBeTrue();
        (result.FailureMessage ?? "").ShouldContain("PublicNames");
    }

    [Fact]
    public void Validate_PublicNamesWithConfiguredCertificate_Refused()
    {
        var options = new HubOptions { CertificatePath = "/etc/hub.pfx" };
        options.PublicNames.Add("hub.example.test");

        (new HubOptionsValidator().Validate(null, options).FailureMessage ?? "").ShouldContain("CertificatePath");
    }

    private static HashSet<string> SanNames(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        return [.. san.EnumerateDnsNames(), .. san.EnumerateIPAddresses().Select(a => a.ToString())];
    }

    private static bool ChainsTo(X509Certificate2 certificate, string caPath)
    {
        using var ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = new DateTime(2026, 12, 2, 0, 0, 0, DateTimeKind.Utc);
        return chain.Build(certificate);
    }
}
