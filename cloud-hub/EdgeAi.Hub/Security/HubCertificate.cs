using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeAi.Hub.Security;

/// <summary>
/// The hub's TLS certificate: the configured PFX, or a self-signed ECDSA P-256 certificate made on
/// first start and kept in the data directory (with its public half as hub-ca.crt, which agents
/// trust through Cloud:CaCertificatePath or pin by fingerprint).
/// </summary>
internal static class HubCertificate
{
    public const string PfxFileName = "hub-tls.pfx";
    public const string PublicCertificateFileName = "hub-ca.crt";

    public static X509Certificate2 LoadOrCreate(string dataDirectory, string? configuredPath, string? password, TimeProvider time)
    {
        if (!string.IsNullOrEmpty(configuredPath))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(configuredPath, password);
        }
        Directory.CreateDirectory(dataDirectory);
        var pfx = Path.Combine(dataDirectory, PfxFileName);
        if (File.Exists(pfx))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(pfx, password: null);
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=EdgeAi hub {Environment.MachineName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName(Environment.MachineName);
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = time.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));

        WriteOwnerOnly(pfx, created.Export(X509ContentType.Pfx));
        File.WriteAllText(Path.Combine(dataDirectory, PublicCertificateFileName), created.ExportCertificatePem());
        return X509CertificateLoader.LoadPkcs12FromFile(pfx, password: null);
    }

    /// <summary>SHA-256 of the certificate, hex: what agents pin with Cloud:CertificateFingerprint.</summary>
    public static string Fingerprint(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexString(SHA256.HashData(certificate.RawData));
    }

    private static void WriteOwnerOnly(string path, byte[] bytes)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var stream = new FileStream(path, options);
        stream.Write(bytes);
    }
}
