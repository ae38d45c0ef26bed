using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeAi.Hub.Security;

/// <summary>
/// The hub's own CA (hub-tls.pfx, owner-only, and its public half hub-ca.crt): ECDSA P-256, ten years,
/// path length 0. Hubs before Hub:PublicNames served this certificate itself, which is why it still
/// names the local host and loopback: an agent pinned to it, or talking to an older replica, still works.
/// </summary>
internal static class HubAuthority
{
    public static X509Certificate2 LoadOrCreate(string dataDirectory, TimeProvider time)
    {
        var pfx = Path.Combine(dataDirectory, HubCertificate.PfxFileName);
        if (!File.Exists(pfx))
        {
            // Replicas starting together on one directory: the first CA renamed into place wins, the others read it.
            StagedFile.Replace(pfx, Create(time), overwrite: false);
        }
        var authority = X509CertificateLoader.LoadPkcs12FromFile(pfx, password: null);
        var pem = authority.ExportCertificatePem();
        var publicPath = Path.Combine(dataDirectory, HubCertificate.PublicCertificateFileName);
        if (!File.Exists(publicPath) || File.ReadAllText(publicPath).Trim() != pem.Trim())
        {
            StagedFile.Replace(publicPath, System.Text.Encoding.ASCII.GetBytes(pem + "\n"), overwrite: true, ownerOnly: false);
        }
        return authority;
    }

    private static byte[] Create(TimeProvider time)
    {
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
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = time.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
        return created.Export(X509ContentType.Pfx);
    }
}
